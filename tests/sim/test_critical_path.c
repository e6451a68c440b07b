/* The critical path of `paleosim analyze` on traces of real runs: with one 2x slow worker
 * in sync, the path's compute runs on that worker; with a slow network, communication
 * dominates the path; in every case the segments tile [iteration start, iteration end]
 * with no gap or overlap, and the kinds add up to the length. Both fidelities, and a
 * pipeline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "output/analyze.h"
#include "output/trace_io.h"
#include "sim/run.h"
#include "sim/scenario.h"

static const char *base =
  "[workload]\nnet=resnet50\nbatch=32\ncost_model=paleo\n"
  "[cluster]\ndevice=V100\nworkers=4\ntopology=star\nlink=eth100\n"
  "[training]\ncollective=ring\niterations=3\n";

/* Runs `base` with overrides into a trace and returns its analysis report. */
static PaleoAnalysisReport *analyze_run(const char *name, char **overrides)
{
  g_autofree char *path = g_build_filename(g_getenv("PALEO_TEST_TMP"), name, NULL);
  g_autoptr(GPtrArray) ov = g_ptr_array_new_with_free_func(g_free);
  for (char **o = overrides; o && *o; o++)
    g_ptr_array_add(ov, g_strdup(*o));
  g_ptr_array_add(ov, g_strconcat("output.trace=", path, NULL));
  g_ptr_array_add(ov, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(base, "cp.ini", (char **)ov->pdata, &error);
  if (!s)
    fail_msg("%s", error->message);
  PaleoRunSummary sum;
  if (!paleo_run_scenario(s, NULL, &sum, &error))
    fail_msg("%s", error->message);
  paleo_run_summary_clear(&sum);
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  if (!paleo_trace_replay(path, paleo_analysis_sink(a), NULL, &error))
    fail_msg("%s", error->message);
  return paleo_analysis_report(a, NULL);
}

/* Segments tile [start, end] and the sums add up; returns the path of iteration `it`. */
static const PaleoCriticalPath *checked_path(const PaleoAnalysisReport *r, uint32_t it)
{
  assert_non_null(r->critical_paths);
  assert_true(it < r->critical_paths->len);
  const PaleoCriticalPath *p = &g_array_index(r->critical_paths, PaleoCriticalPath, it);
  assert_int_equal(p->iteration, it);
  assert_true(p->segments->len > 0);
  uint64_t at = p->start_ns;
  for (guint k = 0; k < p->segments->len; k++) {
    const PaleoPathSegment *s = &g_array_index(p->segments, PaleoPathSegment, k);
    if (s->start_ns != at || s->end_ns <= s->start_ns)
      fail_msg("iteration %u segment %u (%s) spans %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT ", expected to start at %"
               G_GUINT64_FORMAT, it, k, s->name, s->start_ns, s->end_ns, at);
    at = s->end_ns;
  }
  assert_true(at == p->end_ns);
  assert_true(p->compute_ns + p->comm_ns + p->wait_ns == p->end_ns - p->start_ns);
  return p;
}

static void assert_compute_on(const PaleoCriticalPath *p, uint32_t worker)
{
  guint compute = 0;
  for (guint k = 0; k < p->segments->len; k++) {
    const PaleoPathSegment *s = &g_array_index(p->segments, PaleoPathSegment, k);
    if (s->kind != PALEO_PATH_COMPUTE)
      continue;
    compute++;
    if (s->worker != worker)
      fail_msg("compute segment %s on worker %u, expected the slow worker %u", s->name, s->worker, worker);
  }
  assert_true(compute > 0);
}

static void test_slow_worker_bounds_the_path(void **state)
{
  (void)state;
  const char *fidelities[] = {"training.fidelity=flow", "training.fidelity=analytical"};
  for (guint f = 0; f < G_N_ELEMENTS(fidelities); f++) {
    char *ov[] = {"cluster.slowdown=2:2.0", (char *)fidelities[f], NULL};
    g_autoptr(PaleoAnalysisReport) r = analyze_run("cp-slow.db", ov);
    assert_int_equal(r->critical_paths->len, 3);
    for (uint32_t it = 0; it < 3; it++) {
      const PaleoCriticalPath *p = checked_path(r, it);
      assert_compute_on(p, 2);
      assert_true(p->compute_ns > p->comm_ns);
    }
  }
}

static void test_slow_network_dominates(void **state)
{
  (void)state;
  char *ov[] = {"cluster.link=ethernet", "workload.ppp_comm=0.05", "training.overlap=false", NULL};
  g_autoptr(PaleoAnalysisReport) r = analyze_run("cp-net.h5", ov);
  for (uint32_t it = 0; it < 3; it++) {
    const PaleoCriticalPath *p = checked_path(r, it);
    assert_true(p->comm_ns > p->compute_ns + p->wait_ns);
  }
}

static void test_pipeline_path_tiles(void **state)
{
  (void)state;
  char *ov[] = {"workload.net=vgg16", "cluster.workers=8", "parallelism.pipeline=4", "parallelism.micro_batches=4",
                "workload.batch=16", NULL};
  g_autoptr(PaleoAnalysisReport) r = analyze_run("cp-pipe.db", ov);
  for (uint32_t it = 0; it < 3; it++) {
    const PaleoCriticalPath *p = checked_path(r, it);
    gboolean stage_hop = FALSE;
    for (guint k = 1; k < p->segments->len; k++)
      stage_hop |= g_array_index(p->segments, PaleoPathSegment, k).worker !=
                   g_array_index(p->segments, PaleoPathSegment, k - 1).worker;
    assert_true(stage_hop); /* the path crosses stages through the transfers */
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_slow_worker_bounds_the_path),
    cmocka_unit_test(test_slow_network_dominates),
    cmocka_unit_test(test_pipeline_path_tiles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
