/* The output-file protocol every paleosim output goes through (reliability findings 09, 10
 * and 11): a unique partial file renamed onto the path when complete, an exclusive lock so
 * that two writers of one path never race, refusal of non-regular targets, and nothing
 * removed that the writer did not create. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "output/output_file.h"
#include "output/trace_io.h"
#include "trace_fixture.h"

static char *contents(const char *path)
{
  char *text = NULL;
  return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

static void assert_contents(const char *path, const char *expected)
{
  g_autofree char *text = contents(path);
  assert_non_null(text);
  assert_string_equal(text, expected);
}

static void assert_no_leftover(const char *path)
{
  g_autofree char *left = fixture_leftover(path);
  if (left)
    fail_msg("'%s' was left behind", left);
}

/* While writing, the old file is intact and the new bytes live in PATH.XXXXXX.partial; the
 * commit replaces the old file in one rename and leaves nothing else. */
static void test_commit_replaces_old_file(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("of-replace.json");
  assert_true(g_file_set_contents(path, "old", -1, NULL));
  g_autoptr(GError) error = NULL;
  PaleoOutputFile *f = paleo_output_file_open(path, "output", &error);
  assert_non_null(f);
  const char *partial = paleo_output_file_partial(f);
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *pbase = g_path_get_basename(partial);
  assert_true(g_str_has_prefix(pbase, base));
  assert_true(g_str_has_suffix(pbase, ".partial"));
  assert_int_equal(strlen(pbase), strlen(base) + strlen(".XXXXXX.partial"));
  assert_true(g_file_test(partial, G_FILE_TEST_IS_REGULAR));
  fputs("new", paleo_output_file_stream(f));
  assert_contents(path, "old");
  assert_true(paleo_output_file_commit(f, &error));
  paleo_output_file_free(f);
  assert_contents(path, "new");
  assert_no_leftover(path);
}

/* Two writers of one path (finding 09): the second is refused at once with the reason; the
 * first publishes its own file; afterwards the path is free again. */
static void test_second_writer_is_refused(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("of-two.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoOutputFile) a = paleo_output_file_open(path, "trace", &error);
  assert_non_null(a);
  PaleoOutputFile *b = paleo_output_file_open(path, "trace", &error);
  assert_null(b);
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO));
  assert_non_null(strstr(error->message, "being written by another process"));
  assert_non_null(strstr(error->message, path));
  g_clear_error(&error);
  fputs("A", paleo_output_file_stream(a));
  assert_true(paleo_output_file_commit(a, &error));
  assert_contents(path, "A");
  g_autoptr(PaleoOutputFile) c = paleo_output_file_open(path, "trace", &error);
  assert_non_null(c);
  fputs("C", paleo_output_file_stream(c));
  assert_true(paleo_output_file_commit(c, &error));
  assert_contents(path, "C");
  assert_no_leftover(path);
}

/* Abandoning a write (freeing without commit) removes the partial file and the lock and
 * keeps the old file. */
static void test_abandon_keeps_old_file(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("of-abandon.png");
  assert_true(g_file_set_contents(path, "old", -1, NULL));
  g_autoptr(GError) error = NULL;
  PaleoOutputFile *f = paleo_output_file_open(path, "output", &error);
  fputs("half", paleo_output_file_stream(f));
  paleo_output_file_free(f);
  assert_contents(path, "old");
  assert_no_leftover(path);
}

static void expect_refused(const char *path, const char *what)
{
  g_autoptr(GError) error = NULL;
  assert_null(paleo_output_file_open(path, "output", &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
  if (!strstr(error->message, what) || !strstr(error->message, path))
    fail_msg("'%s' lacks '%s' or the path", error->message, what);
  assert_no_leftover(path);
}

/* A directory, symlink, FIFO or device is refused before anything is written (findings 10
 * and 11), and stays as it was. */
static void test_non_regular_targets_are_refused(void **state)
{
  (void)state;
  g_autofree char *dir = fixture_tmp_path("of-dir.db");
  assert_int_equal(g_mkdir(dir, 0755), 0);
  expect_refused(dir, "is a directory");
  assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
  g_rmdir(dir);

  g_autofree char *target = fixture_tmp_path("of-target.db");
  g_autofree char *link = fixture_tmp_path("of-link.db");
  assert_true(g_file_set_contents(target, "target", -1, NULL));
  assert_int_equal(symlink(target, link), 0);
  expect_refused(link, "is a symbolic link");
  assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
  assert_contents(target, "target");

  g_autofree char *fifo = fixture_tmp_path("of-fifo.json");
  assert_int_equal(mkfifo(fifo, 0644), 0);
  expect_refused(fifo, "is a FIFO");
  g_unlink(fifo);

  g_autofree char *dev = fixture_tmp_path("of-null.db");
  if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0) { /* root only: a copy of /dev/null */
    expect_refused(dev, "is a device");
    struct stat st;
    assert_int_equal(lstat(dev, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    g_unlink(dev);
  }
  g_autoptr(GError) error = NULL;
  assert_null(paleo_output_file_open("", "output", &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
}

/* A missing directory is a runtime failure naming the file and the reason. */
static void test_missing_directory_is_io_error(void **state)
{
  (void)state;
  g_autofree char *dir = fixture_tmp_path("of-no-such-dir");
  g_autofree char *path = g_build_filename(dir, "x.json", NULL);
  g_autoptr(GError) error = NULL;
  assert_null(paleo_output_file_open(path, "output", &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO));
  assert_non_null(strstr(error->message, path));
  assert_non_null(strstr(error->message, g_strerror(ENOENT)));
}

/* A lock file the writer did not create (left by a killed run) is used but never removed. */
static void test_stale_lock_file_is_kept(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("of-stale.db");
  g_autofree char *lock = g_strconcat(path, ".lock", NULL);
  assert_true(g_file_set_contents(lock, "", -1, NULL));
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoOutputFile) f = paleo_output_file_open(path, "trace", &error);
  assert_non_null(f);
  fputs("x", paleo_output_file_stream(f));
  assert_true(paleo_output_file_commit(f, &error));
  assert_true(g_file_test(lock, G_FILE_TEST_IS_REGULAR));
  g_unlink(lock);
}

/* A write that fails (here a file-size limit: EFBIG, as on a full disk) fails the commit
 * with the reason, removes the partial file and keeps the old file. */
static void test_failed_write_keeps_old_file(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("of-full.json");
  assert_true(g_file_set_contents(path, "old", -1, NULL));
  g_autoptr(GError) error = NULL;
  PaleoOutputFile *f = paleo_output_file_open(path, "output", &error);
  struct rlimit saved, small;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
  small = saved;
  small.rlim_cur = 4096;
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
  FILE *s = paleo_output_file_stream(f);
  for (int i = 0; i < 10000; i++)
    fputs("0123456789", s);
  gboolean ok = paleo_output_file_commit(f, &error);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
  signal(SIGXFSZ, old_handler);
  paleo_output_file_free(f);
  assert_false(ok);
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO));
  assert_non_null(strstr(error->message, path));
  assert_non_null(strstr(error->message, g_strerror(EFBIG)));
  assert_contents(path, "old");
  assert_no_leftover(path);
}

/* What a fatal-signal handler calls: every file being written disappears. */
static void test_remove_all_for_signals(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("of-signal.db");
  g_autoptr(GError) error = NULL;
  PaleoOutputFile *f = paleo_output_file_open(path, "trace", &error);
  g_autofree char *partial = g_strdup(paleo_output_file_partial(f));
  paleo_output_files_remove_all();
  assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
  assert_no_leftover(path);
  paleo_output_file_free(f);
  assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_commit_replaces_old_file),
    cmocka_unit_test(test_second_writer_is_refused),
    cmocka_unit_test(test_abandon_keeps_old_file),
    cmocka_unit_test(test_non_regular_targets_are_refused),
    cmocka_unit_test(test_missing_directory_is_io_error),
    cmocka_unit_test(test_stale_lock_file_is_kept),
    cmocka_unit_test(test_failed_write_keeps_old_file),
    cmocka_unit_test(test_remove_all_for_signals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
