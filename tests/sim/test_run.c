/* paleosim run: agreement with PALEO's model (`predict`), the physics of flow fidelity
 * (ring on a star, parameter-server NIC bottleneck, fat-tree oversubscription), overlap of
 * gradient communication with backward, determinism, and bad input through the CLI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/run.h"
#include "sim/scenario.h"
#include "workloads/cost.h"

static PaleoScenario *scenario(const char *text, char **overrides)
{
  g_autoptr(GError) error = NULL;
  PaleoScenario *s = paleo_scenario_load_data(text, "test.ini", overrides, &error);
  if (!s)
    fail_msg("%s", error->message);
  return s;
}

static void run(const PaleoScenario *s, PaleoRunSummary *out)
{
  g_autoptr(GError) error = NULL;
  if (!paleo_run_scenario(s, NULL, out, &error))
    fail_msg("%s", error->message);
}

static gboolean close_rel(double a, double b, double rel)
{
  return fabs(a - b) <= rel * fabs(b);
}

/* ---- analytical fidelity = predict ---- */

static void test_agreement_with_predict(void **state)
{
  (void)state;
  const char *nets[] = {"alex_v2", "vgg16", "inception_v3", "resnet50"};
  const guint workers[] = {1, 2, 3, 4, 8, 16, 32, 64, 128};
  const PaleoAllReduceScheme schemes[] = {PALEO_ALLREDUCE_ONE_TO_ALL, PALEO_ALLREDUCE_TREE, PALEO_ALLREDUCE_BUTTERFLY,
                                          PALEO_ALLREDUCE_BUTTERFLY_MIXING};
  const char *collectives[] = {"ps", "tree", "butterfly", "butterfly-mixing"};
  g_autoptr(PaleoCatalog) cat = paleo_catalog_load_default(NULL);
  const PaleoDevice *dev = paleo_catalog_device(cat, "TITAN_X", NULL);
  const PaleoLink *eth = paleo_catalog_link(cat, "ethernet", NULL);
  for (guint n = 0; n < G_N_ELEMENTS(nets); n++) {
    g_autoptr(PaleoNet) net = paleo_net_load_named(nets[n], 32, NULL);
    assert_non_null(net);
    PaleoCostOptions opt;
    paleo_cost_options_init(&opt);
    opt.ppp_comp = 0.62;
    opt.ppp_comm = 0.72;
    PaleoScalingRequest req = {PALEO_SCALING_WEAK, 32, workers, G_N_ELEMENTS(workers), schemes, G_N_ELEMENTS(schemes),
                               {.link = eth, .ppp_comm = 0.72, .latency = FALSE}};
    g_autoptr(GArray) rows = paleo_cost_scaling(net, dev, &opt, &req, NULL);
    assert_non_null(rows);
    for (guint i = 0; i < rows->len; i++) {
      const PaleoScalingRow *row = &g_array_index(rows, PaleoScalingRow, i);
      g_autofree char *text = g_strdup_printf(
        "[workload]\nnet=%s\nbatch=32\nppp_comp=0.62\nppp_comm=0.72\n[cluster]\ndevice=TITAN_X\nworkers=%u\nlink=ethernet\n"
        "[training]\ncollective=%s\nfidelity=analytical\noverlap=false\niterations=2\n",
        nets[n], row->workers, collectives[row->scheme]);
      g_autoptr(PaleoScenario) s = scenario(text, NULL);
      PaleoRunSummary sum;
      run(s, &sum);
      if (!close_rel(sum.iteration_mean_ms, row->iteration_ms, 1e-3) || !close_rel(sum.speedup, row->speedup, 1e-3))
        fail_msg("%s N=%u %s: run %.6f ms (speed-up %.4f), predict %.6f ms (%.4f)", nets[n], row->workers,
                 collectives[row->scheme], sum.iteration_mean_ms, sum.speedup, row->iteration_ms, row->speedup);
      paleo_run_summary_clear(&sum);
    }
  }
}

/* ---- flow physics ---- */

/* Communication time of one iteration with overlap off: iteration - compute. */
static double comm_ms(const char *text, char **overrides)
{
  g_autoptr(PaleoScenario) s = scenario(text, overrides);
  PaleoRunSummary sum;
  run(s, &sum);
  double c = sum.iteration_mean_ms - sum.compute_ms;
  paleo_run_summary_clear(&sum);
  return c;
}

static const char *flat =
  "[workload]\nnet=alex_v2\nbatch=1\n[cluster]\ndevice=TITAN_X\nworkers=8\nlink=ethernet\nlatency_us=50\n"
  "[training]\nfidelity=flow\noverlap=false\niterations=2\n";

static void test_ring_on_star(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) cat = paleo_catalog_load_default(NULL);
  g_autoptr(PaleoNet) net = paleo_net_load_named("alex_v2", 1, NULL);
  double S = paleo_cost_params_bytes(net), B = 10e9 / 8, alpha_s = 2 * 50e-6; /* a message crosses 2 links */
  for (guint n = 2; n <= 16; n *= 2) {
    g_autofree char *w = g_strdup_printf("cluster.workers=%u", n);
    char *ov[] = {"training.collective=ring", w, NULL};
    double expect_ms = 1e3 * (2.0 * (n - 1) / n * S / B + 2.0 * (n - 1) * alpha_s);
    double got = comm_ms(flat, ov);
    if (!close_rel(got, expect_ms, 0.02))
      fail_msg("ring N=%u: %.3f ms, expected %.3f ms", n, got, expect_ms);
  }
}

static void test_ps_bottleneck_and_shards(void **state)
{
  (void)state;
  double one[2], four[2];
  const char *ns[] = {"cluster.workers=8", "cluster.workers=16"};
  for (guint i = 0; i < 2; i++) {
    char *a[] = {"training.collective=ps", "cluster.ps_placement=dedicated", "cluster.ps_count=1", (char *)ns[i], NULL};
    char *b[] = {"training.collective=ps", "cluster.ps_placement=dedicated", "cluster.ps_count=4", (char *)ns[i], NULL};
    one[i] = comm_ms(flat, a);
    four[i] = comm_ms(flat, b);
  }
  /* one server: its NIC carries N gradients each way, so doubling N doubles the time */
  assert_true(close_rel(one[1] / one[0], 2.0, 0.05));
  /* four shards: four NICs, about four times faster */
  for (guint i = 0; i < 2; i++)
    if (!close_rel(one[i] / four[i], 4.0, 0.10))
      fail_msg("%s: 1 server %.2f ms, 4 shards %.2f ms", ns[i], one[i], four[i]);
}

/* Radix 4 with oversubscription r in [3, 6]: 3 hosts and 1 spine uplink of 3B/r per leaf.
 * A ring over 2 racks sends one flow per step over each uplink: time scales as r / 3. */
static void test_fat_tree_oversubscription(void **state)
{
  (void)state;
  const char *r_set[] = {"cluster.oversubscription=3", "cluster.oversubscription=4.5", "cluster.oversubscription=6"};
  double t[3];
  for (guint i = 0; i < 3; i++) {
    char *ov[] = {"training.collective=ring", "cluster.topology=fat-tree", "cluster.radix=4", "cluster.workers=6",
                  "cluster.latency_us=0", (char *)r_set[i], NULL};
    t[i] = comm_ms(flat, ov);
  }
  assert_true(close_rel(t[1] / t[0], 1.5, 0.02));
  assert_true(close_rel(t[2] / t[0], 2.0, 0.02));
}

/* ---- overlap ---- */

static const char *resnet =
  "[workload]\nnet=resnet50\nbatch=32\n[cluster]\ndevice=V100\nworkers=8\nlatency_us=5\n"
  "[training]\ncollective=ring\nfidelity=flow\noverlap=true\nbucket_mb=25\niterations=3\n";

static void test_overlap(void **state)
{
  (void)state;
  char *fast[] = {"cluster.link=eth400", NULL};
  char *slow[] = {"cluster.link=aws", NULL};
  g_autoptr(PaleoScenario) f = scenario(resnet, fast);
  g_autoptr(PaleoScenario) s = scenario(resnet, slow);
  PaleoRunSummary a, b;
  run(f, &a);
  run(s, &b);
  /* fast network: most communication hidden, iteration below compute + communication */
  assert_true(a.buckets > 1);
  assert_true(a.overlap_fraction > 0.7);
  assert_true(a.iteration_mean_ms < a.compute_ms + a.comm_ms);
  /* slow network: the iteration is compute + exposed communication (+ waiting for partners) */
  assert_true(b.overlap_fraction < a.overlap_fraction);
  assert_true(b.comm_exposed_ms > 0.5 * b.comm_ms);
  assert_true(close_rel(b.iteration_mean_ms, b.compute_ms + b.comm_exposed_ms + b.wait_ms, 0.01));
  /* overlap off never hides anything */
  char *off[] = {"cluster.link=aws", "training.overlap=false", NULL};
  g_autoptr(PaleoScenario) o = scenario(resnet, off);
  PaleoRunSummary c;
  run(o, &c);
  assert_true(c.overlap_fraction == 0.0);
  assert_true(c.iteration_mean_ms > b.iteration_mean_ms);
  paleo_run_summary_clear(&a);
  paleo_run_summary_clear(&b);
  paleo_run_summary_clear(&c);
}

/* ---- determinism and slowdown ---- */

static void test_determinism_and_slowdown(void **state)
{
  (void)state;
  const char *dir = g_getenv("PALEOSIM_CONFIG_DIR");
  g_autofree char *path = g_build_filename(dir, "scenarios", "default.ini", NULL);
  PaleoRunSummary r[2];
  for (guint i = 0; i < 2; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoScenario) s = paleo_scenario_load(path, NULL, &error);
    assert_non_null(s);
    run(s, &r[i]);
  }
  assert_true(r[0].iteration_mean_ms == r[1].iteration_mean_ms && r[0].wait_ms == r[1].wait_ms &&
              r[0].overlap_fraction == r[1].overlap_fraction && r[0].events == r[1].events);
  /* one worker computing 2x slower drags every iteration to about 2x the compute */
  char *ov[] = {"cluster.slowdown=3:2.0", NULL};
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) slow = paleo_scenario_load(path, ov, &error);
  PaleoRunSummary s;
  run(slow, &s);
  assert_true(s.iteration_mean_ms > 1.9 * r[0].compute_ms);
  assert_true(s.wait_ms > 0.4 * r[0].compute_ms); /* the others wait for worker 3 */
  paleo_run_summary_clear(&r[0]);
  paleo_run_summary_clear(&r[1]);
  paleo_run_summary_clear(&s);
}

/* ---- memory of flow fidelity: per worker, not per flow ---- */

/* One ring all-reduce over N workers is 2N(N-1) flows, N of them in flight per step; the
 * flow model's memory follows the flows in flight (and the N routes of the ring), so 4x
 * the workers (16x the flows) costs at most about 4x the bytes. */
static void test_flow_memory_per_worker(void **state)
{
  (void)state;
  const char *dir = g_getenv("PALEOSIM_CONFIG_DIR");
  g_autofree char *path = g_build_filename(dir, "scenarios", "default.ini", NULL);
  PaleoRunSummary r[2];
  const char *workers[] = {"cluster.workers=64", "cluster.workers=256"};
  for (guint i = 0; i < 2; i++) {
    char *ov[] = {"training.collective=ring", "cluster.gpus_per_host=1", "training.iterations=1",
                  "training.overlap=false", "cluster.topology=fat-tree", (char *)workers[i], NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoScenario) s = paleo_scenario_load(path, ov, &error);
    assert_non_null(s);
    run(s, &r[i]);
    uint64_t n = i ? 256 : 64;
    assert_int_equal(r[i].flows, 2 * n * (n - 1));
    /* a step's N messages, and a few of the next step where a rank finished early */
    assert_true(r[i].peak_flows_in_flight >= n && r[i].peak_flows_in_flight <= 2 * n);
    assert_true(r[i].network_bytes > 0);
  }
  assert_true(r[1].network_bytes < 5 * r[0].network_bytes);
  paleo_run_summary_clear(&r[0]);
  paleo_run_summary_clear(&r[1]);
}

/* ---- bad input through the CLI: exit code 2 and a message naming section and key ---- */

static void expect_cli_error(const char *set, const char *needle)
{
  const char *bin = g_getenv("PALEOSIM_BIN");
  assert_non_null(bin);
  char *argv[] = {(char *)bin, "run", "default", "--no-progress", "--set", (char *)set, NULL};
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  if (!g_spawn_check_wait_status(status, NULL) && WIFEXITED(status) && WEXITSTATUS(status) == 2 && strstr(err, needle))
    return;
  fail_msg("--set %s: status %d, stderr '%s' (wanted exit 2 and '%s')", set, status, err, needle);
}

static void test_bad_input_cli(void **state)
{
  (void)state;
  expect_cli_error("workload.net=no_such_net", "[workload] net");
  expect_cli_error("cluster.device=Z80", "[cluster] device");
  expect_cli_error("cluster.link=carrier-pigeon", "[cluster] link");
  expect_cli_error("workload.cost_model=magic", "[workload] cost_model");
  expect_cli_error("training.collective=allgather", "[training] collective");
  expect_cli_error("workload.batch=0", "[workload] batch");
  expect_cli_error("training.iterations=ten", "[training] iterations");
  expect_cli_error("cluster.hosts=1", "[cluster] workers");
  expect_cli_error("cluster.topology=file", "[cluster] topology_file");
  expect_cli_error("cluster.colour=blue", "colour");
  /* strategy and straggler parameters (issue 6) */
  expect_cli_error("training.ssp_bound=-1", "[training] ssp_bound");
  expect_cli_error("training.backup_workers=2", "[training] backup_workers"); /* strategy is sync */
  expect_cli_error("training.strategy=hogwild", "[training] strategy");
  expect_cli_error("stragglers.noise=gamma", "[stragglers] noise");
  expect_cli_error("stragglers.noise_mean=-1", "[stragglers] noise_mean");
  expect_cli_error("cluster.slowdown=3:-2", "[cluster] slowdown");
  expect_cli_error("stragglers.degrade_link=w0:-1@0", "[stragglers] degrade_link");
  expect_cli_error("stragglers.degrade_link=nosuchnode:0.5@0", "[stragglers] degrade_link");
  expect_cli_error("stragglers.fail=99:10", "[stragglers] fail");
}

/* ---- SIGINT: the run stops, the trace is closed as interrupted, exit code 1 ---- */

static void test_sigint(void **state)
{
  (void)state;
  const char *bin = g_getenv("PALEOSIM_BIN");
  g_autofree char *db = g_build_filename(g_getenv("PALEO_TEST_TMP"), "sigint.db", NULL);
  g_autofree char *trace = g_strconcat("output.trace=", db, NULL);
  /* about a minute of simulation: the signal always comes first */
  char *argv[] = {(char *)bin, "run", "default", "--no-progress", "--set", "cluster.workers=64", "--set",
                  "training.iterations=100000", "--set", trace, "--set", "output.trace_level=iterations", NULL};
  GPid pid;
  gint err_fd;
  g_autoptr(GError) error = NULL;
  assert_true(g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                       NULL, &pid, NULL, NULL, &err_fd, &error));
  g_usleep(700 * 1000);
  kill(pid, SIGINT);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  char err[4096] = "";
  ssize_t n = read(err_fd, err, sizeof(err) - 1);
  err[MAX(n, 0)] = '\0';
  close(err_fd);
  g_spawn_close_pid(pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  assert_non_null(strstr(err, "interrupted"));
  sqlite3 *h = NULL;
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(h, "SELECT status FROM run", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "interrupted");
  sqlite3_finalize(st);
  sqlite3_close(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_agreement_with_predict),
    cmocka_unit_test(test_ring_on_star),
    cmocka_unit_test(test_ps_bottleneck_and_shards),
    cmocka_unit_test(test_fat_tree_oversubscription),
    cmocka_unit_test(test_overlap),
    cmocka_unit_test(test_determinism_and_slowdown),
    cmocka_unit_test(test_flow_memory_per_worker),
    cmocka_unit_test(test_sigint),
    cmocka_unit_test(test_bad_input_cli),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
