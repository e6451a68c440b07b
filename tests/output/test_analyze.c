/* paleosim analyze: interval unions, stragglers, overlap and contention on traces whose
 * answers are known by construction, and the table/JSON/CSV renderings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "output/analyze.h"
#include "output/interval_set.h"
#include "synth_trace.h"

#define EPS 1e-9

static PaleoAnalysisReport *analyze(const SynthTrace *t)
{
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  synth_replay(t, paleo_analysis_sink(a));
  return paleo_analysis_report(a, "complete");
}

static void test_interval_set(void **state)
{
  (void)state;
  PaleoIntervalSet a, b;
  paleo_interval_set_init(&a);
  paleo_interval_set_init(&b);
  paleo_interval_set_add(&a, 0, 10);
  paleo_interval_set_add(&a, 10, 20);   /* touches: fused */
  paleo_interval_set_add(&a, 30, 40);
  paleo_interval_set_add(&a, 5, 5);     /* empty: ignored */
  paleo_interval_set_add(&a, 50, 60);
  paleo_interval_set_add(&a, 25, 32);   /* out of order: merges with [30, 40) */
  assert_int_equal(a.items->len, 3);    /* [0,20) [25,40) [50,60) */
  assert_int_equal(paleo_interval_set_total_ns(&a), 20 + 15 + 10);
  paleo_interval_set_add(&a, 15, 55);   /* swallows the middle */
  assert_int_equal(a.items->len, 1);
  assert_int_equal(paleo_interval_set_total_ns(&a), 60);
  paleo_interval_set_add(&b, 5, 15);
  paleo_interval_set_add(&b, 58, 70);
  assert_int_equal(paleo_interval_set_overlap_ns(&a, &b), 10 + 2);
  paleo_interval_set_clear(&a);
  paleo_interval_set_clear(&b);
}

static const SynthDataParallel slow_worker_spec = {
  .workers = 4, .iterations = 3, .layers = 2, .per_host = 2, .fwd_ns = 5 * MS,
  .bwd_ns = 10 * MS, .comm_ns = 10 * MS, .update_ns = 2 * MS, .slow_worker = 2,
  .slow_factor = 2.0, .with_tasks = TRUE,
};

/* Worker 2 computes 2 × 30 ms = 60 ms, the others 30 ms: lag 60 − median 30 = 30 ms; the
 * three others wait 30 ms each per iteration: 90 ms × 3 iterations = 270 ms caused. */
static void check_slow_worker(const PaleoAnalysisReport *r)
{
  assert_int_equal(r->stragglers->len, 1);
  const PaleoStraggler *s = &g_array_index(r->stragglers, PaleoStraggler, 0);
  assert_int_equal(s->worker, 2);
  assert_float_equal(s->lag_ms, 30.0, EPS);
  assert_float_equal(s->caused_wait_ms, 270.0, EPS);
  assert_int_equal(s->slowest_iterations, 3);
  assert_float_equal(r->total_wait_ms, 270.0, EPS);
  assert_int_equal(r->iterations->len, 3);
  for (guint i = 0; i < 3; i++) {
    const PaleoIterationLag *l = &g_array_index(r->iterations, PaleoIterationLag, i);
    assert_int_equal(l->iteration, i); /* equal lags: iteration order */
    assert_int_equal(l->slowest_worker, 2);
    assert_int_equal(l->n_workers, 4);
    assert_float_equal(l->lag_ms, 30.0, EPS);
    assert_float_equal(l->wait_ms, 90.0, EPS);
  }
}

static void test_straggler_from_tasks(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&slow_worker_spec);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  check_slow_worker(r);
  const PaleoIterationLag *l = &g_array_index(r->iterations, PaleoIterationLag, 0);
  assert_float_equal(l->work_ms, 60.0, EPS);       /* last backward end − start */
  assert_float_equal(l->median_work_ms, 30.0, EPS);
}

static void test_straggler_from_iterations_only(void **state)
{
  (void)state;
  SynthDataParallel spec = slow_worker_spec;
  spec.with_tasks = FALSE;
  g_autoptr(SynthTrace) t = synth_data_parallel(&spec);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  check_slow_worker(r);
  const PaleoIterationLag *l = &g_array_index(r->iterations, PaleoIterationLag, 0);
  assert_float_equal(l->work_ms, 72.0, EPS);       /* end − wait − start: 60 + 10 + 2 */
  assert_float_equal(l->median_work_ms, 42.0, EPS);
}

static void test_no_straggler(void **state)
{
  (void)state;
  SynthDataParallel spec = slow_worker_spec;
  spec.slow_worker = -1;
  g_autoptr(SynthTrace) t = synth_data_parallel(&spec);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  assert_int_equal(r->stragglers->len, 0);
  assert_float_equal(r->total_wait_ms, 0.0, EPS);
  assert_float_equal(g_array_index(r->iterations, PaleoIterationLag, 0).lag_ms, 0.0, EPS);
}

/* it0: worker 0 needs 10 ms, the others 4 (waiting 6 each): lag 6, caused 12.
 * it1: worker 1 needs 8 ms, the others 4 (waiting 4 each): lag 4, caused 8. */
static void test_straggler_ranking(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_new("ranking");
  synth_iteration(t, 0, 0, 0, 10 * MS, 0);
  synth_iteration(t, 1, 0, 0, 10 * MS, 6 * MS);
  synth_iteration(t, 2, 0, 0, 10 * MS, 6 * MS);
  synth_iteration(t, 0, 1, 10 * MS, 18 * MS, 4 * MS);
  synth_iteration(t, 1, 1, 10 * MS, 18 * MS, 0);
  synth_iteration(t, 2, 1, 10 * MS, 18 * MS, 4 * MS);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  assert_int_equal(r->stragglers->len, 2);
  const PaleoStraggler *first = &g_array_index(r->stragglers, PaleoStraggler, 0);
  const PaleoStraggler *second = &g_array_index(r->stragglers, PaleoStraggler, 1);
  assert_int_equal(first->worker, 0);
  assert_float_equal(first->lag_ms, 6.0, EPS);
  assert_float_equal(first->caused_wait_ms, 12.0, EPS);
  assert_int_equal(second->worker, 1);
  assert_float_equal(second->lag_ms, 4.0, EPS);
  assert_float_equal(second->caused_wait_ms, 8.0, EPS);
  assert_float_equal(r->total_wait_ms, 20.0, EPS);
  assert_int_equal(g_array_index(r->iterations, PaleoIterationLag, 0).iteration, 0);
}

/* Worker 0 (node 0) computes [0,20) and [30,40) ms and sends [5,15) and [18,35) to worker 1:
 * comm = 10 + 17 = 27, hidden = 10 + (2 + 5) = 17, exposed 10. Worker 1 (node 1) receives the
 * same flows and never computes: comm 27, hidden 0. A flow from host node 100 counts for its
 * two workers 2 and 3 ([0,4) ms each, no compute). */
static void test_overlap(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_new("overlap");
  synth_entity(t, 0, PALEO_ENTITY_WORKER, -1, 0, "w0");
  synth_entity(t, 1, PALEO_ENTITY_WORKER, -1, 1, "w1");
  synth_entity(t, 2, PALEO_ENTITY_WORKER, 100, 2, "w2");
  synth_entity(t, 3, PALEO_ENTITY_WORKER, 100, 3, "w3");
  synth_entity(t, 100, PALEO_ENTITY_HOST, -1, -1, "host");
  synth_entity(t, 200, PALEO_ENTITY_SWITCH, -1, -1, "switch");
  synth_task(t, 0, 0, 0, PALEO_PHASE_FWD, 0, 10 * MS);
  synth_task(t, 0, 0, 1, PALEO_PHASE_FWD, 10 * MS, 20 * MS);
  synth_task(t, 0, 0, 1, PALEO_PHASE_BWD, 30 * MS, 40 * MS);
  synth_flow(t, 0, 1, 0, 5 * MS, 15 * MS);
  synth_flow(t, 0, 1, 0, 18 * MS, 35 * MS);
  synth_flow(t, 100, 200, 0, 0, 4 * MS);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  assert_float_equal(r->overlap.comm_ms, 27 + 27 + 4 + 4, EPS);
  assert_float_equal(r->overlap.hidden_ms, 17.0, EPS);
  assert_float_equal(r->overlap.exposed_ms, 27 + 10 + 4 + 4, EPS);
  assert_float_equal(r->overlap.hidden_fraction, 17.0 / 62.0, EPS);
  assert_int_equal(r->overlap_workers->len, 4);
  const PaleoOverlap *most = &g_array_index(r->overlap_workers, PaleoOverlap, 0);
  assert_int_equal(most->worker, 1); /* most exposed first */
  assert_float_equal(most->exposed_ms, 27.0, EPS);
  const PaleoOverlap *w0 = &g_array_index(r->overlap_workers, PaleoOverlap, 1);
  assert_int_equal(w0->worker, 0);
  assert_float_equal(w0->comm_ms, 27.0, EPS);
  assert_float_equal(w0->hidden_ms, 17.0, EPS);
  assert_float_equal(w0->exposed_ms, 10.0, EPS);
  assert_float_equal(w0->hidden_fraction, 17.0 / 27.0, EPS);
  assert_float_equal(g_array_index(r->overlap_workers, PaleoOverlap, 2).comm_ms, 4.0, EPS);
}

/* A star: workers 0-3 each on an uplink (links 0-3) to switch 10, which reaches the server
 * (node 20) over one shared link 4. Over a 100 ms run the four pushes share link 4 for
 * 40 ms (4 flows, utilization 1) and one more flow uses it alone for 10 ms; each uplink
 * runs at 1/4 for those 40 ms. Link 4: utilization (40 + 10) / 100 = 0.5, contended 0.4,
 * byte-weighted slowdown (4·40 + 1·10) / 50 = 3.4. Uplinks: 0.1, 0, 1. */
static void test_contention_star(void **state)
{
  (void)state;
  static const char *const names[] = {"w0-up", "w1-up", "w2-up", "w3-up", "switch-ps"};
  g_autoptr(SynthTrace) t = synth_new("star");
  for (uint32_t w = 0; w < 4; w++) {
    synth_entity(t, w, PALEO_ENTITY_WORKER, -1, (int32_t)w, "w");
    synth_link(t, w, w, 10, 1e9, names[w]);
    synth_usage(t, w, 0, 40 * MS, 1, 0.25);
  }
  synth_link(t, 4, 10, 20, 1e9, names[4]);
  synth_usage(t, 4, 0, 40 * MS, 4, 1.0);
  synth_usage(t, 4, 40 * MS, 50 * MS, 1, 1.0);
  for (uint32_t w = 0; w < 4; w++)
    synth_iteration(t, w, 0, 0, 100 * MS, 0);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  assert_int_equal(r->links->len, 5);
  const PaleoLinkContention *top = &g_array_index(r->links, PaleoLinkContention, 0);
  assert_string_equal(top->name, "switch-ps");
  assert_float_equal(top->utilization, 0.5, EPS);
  assert_float_equal(top->contended_fraction, 0.4, EPS);
  assert_float_equal(top->mean_slowdown, 3.4, EPS);
  assert_float_equal(top->busy_ms, 50.0, EPS);
  assert_float_equal(top->contended_ms, 40.0, EPS);
  for (guint i = 1; i < 5; i++) {
    const PaleoLinkContention *up = &g_array_index(r->links, PaleoLinkContention, i);
    assert_int_equal(up->link, i - 1); /* ties: link id order */
    assert_float_equal(up->utilization, 0.1, EPS);
    assert_float_equal(up->contended_fraction, 0.0, EPS);
    assert_float_equal(up->mean_slowdown, 1.0, EPS);
  }
}

static void test_json(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&slow_worker_spec);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  g_autofree char *text = paleo_analysis_report_format(r, PALEO_REPORT_JSON, 2, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  assert_true(json_parser_load_from_data(parser, text, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonArray *stragglers = json_object_get_array_member(root, "stragglers");
  assert_int_equal(json_array_get_length(stragglers), 1);
  JsonObject *s = json_array_get_object_element(stragglers, 0);
  assert_int_equal(json_object_get_int_member(s, "worker"), 2);
  assert_float_equal(json_object_get_double_member(s, "lag_ms"), 30.0, EPS);
  assert_float_equal(json_object_get_double_member(s, "caused_wait_ms"), 270.0, EPS);
  assert_float_equal(json_object_get_double_member(root, "total_wait_ms"), 270.0, EPS);
  assert_int_equal(json_array_get_length(json_object_get_array_member(root, "iterations")), 2);
  JsonObject *overlap = json_object_get_object_member(root, "overlap");
  const char *keys[] = {"comm_ms", "hidden_ms", "exposed_ms", "hidden_fraction"};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    assert_true(json_object_has_member(overlap, keys[i]));
  assert_int_equal(json_array_get_length(json_object_get_array_member(overlap, "workers")), 2);
  JsonArray *links = json_object_get_array_member(root, "links");
  assert_int_equal(json_array_get_length(links), 2);
  JsonObject *l = json_array_get_object_element(links, 0);
  assert_string_equal(json_object_get_string_member(l, "name"), "uplink");
  assert_float_equal(json_object_get_double_member(l, "mean_slowdown"), 1.0, EPS);
  JsonObject *run = json_object_get_object_member(root, "run");
  assert_string_equal(json_object_get_string_member(run, "status"), "complete");
  assert_int_equal(json_object_get_int_member(run, "workers"), 4);
}

static void test_csv_and_table(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&slow_worker_spec);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  g_autofree char *csv = paleo_analysis_report_format(r, PALEO_REPORT_CSV, 0, "stragglers");
  assert_string_equal(csv, "worker,slowest_iterations,lag_ms,caused_wait_ms\n"
                           "2,3,30.000000,270.000000\n");
  g_autofree char *all = paleo_analysis_report_format(r, PALEO_REPORT_CSV, 0, NULL);
  g_auto(GStrv) blocks = g_strsplit(all, "\n\n", -1);
  assert_int_equal(g_strv_length(blocks), 5); /* one per table; no staleness without updates */
  assert_true(g_str_has_prefix(blocks[3], "link,utilization,contended_fraction,mean_slowdown"));
  /* the slow worker computes at 2x: first; the others in rank order; 90 ms wait each */
  assert_string_equal(blocks[4], "worker,iterations,mean_slowdown,wait_ms\n"
                                 "2,3,2.000000,0.000000\n0,3,1.000000,90.000000\n"
                                 "1,3,1.000000,90.000000\n3,3,1.000000,90.000000\n");
  g_autofree char *table = paleo_analysis_report_format(r, PALEO_REPORT_TABLE, 10, NULL);
  assert_non_null(strstr(table, "total_wait_ms = 270.000"));
  assert_non_null(strstr(table, "synthetic data-parallel"));
  assert_non_null(strstr(table, "  worker  slowest_iterations  lag_ms  caused_wait_ms\n"
                                "  2                        3  30.000         270.000\n"));
  assert_null(strstr(table, "Staleness"));
  g_autofree char *asked = paleo_analysis_report_format(r, PALEO_REPORT_TABLE, 0, "staleness");
  assert_non_null(strstr(asked, "(no parameter-server updates"));
  g_autofree char *asked_csv = paleo_analysis_report_format(r, PALEO_REPORT_CSV, 0, "staleness");
  assert_string_equal(asked_csv, "updates,mean,p50,p99,max\n");
}

/* Worker 0: 5 iterations at nominal speed, waiting 2 ms each. Worker 1: 4 iterations at
 * slowdowns 1, 2, 1, 2 (mean 1.5). Worker 2: 5 iterations at 3.0. Worker 3 is in the
 * topology but never finished an iteration: listed first, with no slowdown. */
static SynthTrace *uneven_workers(void)
{
  SynthTrace *t = synth_new("uneven");
  for (uint32_t w = 0; w < 4; w++)
    synth_entity(t, w, PALEO_ENTITY_WORKER, -1, (int32_t)w, "gpu");
  for (uint32_t it = 0; it < 5; it++) {
    uint64_t at = it * 10 * MS;
    synth_iteration_slowed(t, 0, it, at, at + 10 * MS, 2 * MS, 1.0);
    synth_iteration_slowed(t, 2, it, at, at + 10 * MS, 0, 3.0);
    if (it < 4)
      synth_iteration_slowed(t, 1, it, at, at + 10 * MS, 0, it % 2 ? 2.0 : 1.0);
  }
  return t;
}

static void test_workers(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = uneven_workers();
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  assert_int_equal(r->workers->len, 4);
  const uint32_t order[] = {3, 2, 1, 0};
  const guint64 iterations[] = {0, 5, 4, 5};
  const double slowdown[] = {NAN, 3.0, 1.5, 1.0};
  const double wait_ms[] = {0, 0, 0, 10};
  for (guint i = 0; i < 4; i++) {
    const PaleoWorkerSummary *w = &g_array_index(r->workers, PaleoWorkerSummary, i);
    assert_int_equal(w->worker, order[i]);
    assert_int_equal(w->iterations, iterations[i]);
    if (isnan(slowdown[i]))
      assert_true(isnan(w->mean_slowdown));
    else
      assert_float_equal(w->mean_slowdown, slowdown[i], EPS);
    assert_float_equal(w->wait_ms, wait_ms[i], EPS);
  }
  g_autofree char *csv = paleo_analysis_report_format(r, PALEO_REPORT_CSV, 3, "workers");
  assert_string_equal(csv, "worker,iterations,mean_slowdown,wait_ms\n"
                           "3,0,,0.000000\n2,5,3.000000,0.000000\n1,4,1.500000,0.000000\n");
  g_autofree char *table = paleo_analysis_report_format(r, PALEO_REPORT_TABLE, 0, "workers");
  assert_non_null(strstr(table, "  worker  iterations  mean_slowdown  wait_ms\n"
                                "  3                0              -    0.000\n"
                                "  2                5          3.000    0.000\n"));
  g_autofree char *json = paleo_analysis_report_format(r, PALEO_REPORT_JSON, 0, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  assert_true(json_parser_load_from_data(parser, json, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonArray *workers = json_object_get_array_member(root, "workers");
  assert_int_equal(json_array_get_length(workers), 4);
  JsonObject *none = json_array_get_object_element(workers, 0);
  assert_true(json_object_get_null_member(none, "mean_slowdown"));
  JsonObject *slow = json_array_get_object_element(workers, 1);
  assert_int_equal(json_object_get_int_member(slow, "worker"), 2);
  assert_int_equal(json_object_get_int_member(slow, "iterations"), 5);
  assert_float_equal(json_object_get_double_member(slow, "mean_slowdown"), 3.0, EPS);
  assert_true(json_object_get_null_member(root, "staleness")); /* no ps updates */
}

/* Staleness 3, 0, 3, 1, 3, 2 (any order): mean 12 / 6 = 2; sorted 0 1 2 3 3 3, nearest rank
 * p50 = the 3rd value = 2, p99 = the 6th = 3; max 3; histogram 0:1 1:1 2:1 3:3. */
static void test_staleness(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_new("async");
  const uint32_t staleness[] = {3, 0, 3, 1, 3, 2};
  for (guint i = 0; i < G_N_ELEMENTS(staleness); i++)
    synth_ps_update(t, i % 2, i % 3, i / 3, staleness[i], (i + 1) * MS);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  const PaleoStalenessSummary *s = &r->staleness;
  assert_int_equal(s->updates, 6);
  assert_int_equal(r->n_ps_updates, 6);
  assert_float_equal(s->mean, 2.0, EPS);
  assert_int_equal(s->p50, 2);
  assert_int_equal(s->p99, 3);
  assert_int_equal(s->max, 3);
  const PaleoStalenessBin want[] = {{0, 1}, {1, 1}, {2, 1}, {3, 3}};
  assert_int_equal(s->histogram->len, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    assert_int_equal(g_array_index(s->histogram, PaleoStalenessBin, i).staleness, want[i].staleness);
    assert_int_equal(g_array_index(s->histogram, PaleoStalenessBin, i).updates, want[i].updates);
  }
  g_autofree char *csv = paleo_analysis_report_format(r, PALEO_REPORT_CSV, 1, NULL);
  assert_non_null(strstr(csv, "\n\nupdates,mean,p50,p99,max\n6,2.000000,2,3,3\n"));
  assert_non_null(strstr(csv, "\n\nstaleness,updates,fraction\n0,1,0.1666667\n1,1,0.1666667\n"
                              "2,1,0.1666667\n3,3,0.5000000\n")); /* top does not cut it */
  g_autofree char *table = paleo_analysis_report_format(r, PALEO_REPORT_TABLE, 0, NULL);
  assert_non_null(strstr(table, "  updates   mean  p50  p99  max\n"
                                "  6        2.000    2    3    3\n"));
  assert_non_null(strstr(table, "6 ps updates"));
  /* an asynchronous trace leaves out the per-iteration-number tables unless named */
  assert_null(strstr(table, "Stragglers, most waiting"));
  assert_non_null(strstr(table, "asynchronous run"));
  g_autofree char *named = paleo_analysis_report_format(r, PALEO_REPORT_TABLE, 0, "stragglers");
  assert_non_null(strstr(named, "Stragglers, most waiting"));
  g_autofree char *json = paleo_analysis_report_format(r, PALEO_REPORT_JSON, 0, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  assert_true(json_parser_load_from_data(parser, json, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonObject *js = json_object_get_object_member(root, "staleness");
  assert_int_equal(json_object_get_int_member(js, "updates"), 6);
  assert_float_equal(json_object_get_double_member(js, "mean"), 2.0, EPS);
  assert_int_equal(json_object_get_int_member(js, "p50"), 2);
  assert_int_equal(json_object_get_int_member(js, "p99"), 3);
  assert_int_equal(json_object_get_int_member(js, "max"), 3);
  JsonArray *hist = json_object_get_array_member(js, "histogram");
  assert_int_equal(json_array_get_length(hist), 4);
  JsonObject *last = json_array_get_object_element(hist, 3);
  assert_int_equal(json_object_get_int_member(last, "staleness"), 3);
  assert_int_equal(json_object_get_int_member(last, "updates"), 3);
}

/* Nearest rank at the tail: 99 updates at staleness 4 and one at 40 put p99 (rank 99) at 4;
 * one more at 40 (101 updates, rank ceil(99.99) = 100) moves it to 40. p50 stays 4. */
static void test_staleness_tail(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_new("tail");
  for (uint32_t i = 0; i < 99; i++)
    synth_ps_update(t, 0, i % 8, i / 8, 4, i * MS);
  synth_ps_update(t, 0, 7, 99, 40, 200 * MS);
  g_autoptr(PaleoAnalysisReport) r = analyze(t);
  assert_int_equal(r->staleness.p99, 4);
  assert_int_equal(r->staleness.p50, 4);
  assert_int_equal(r->staleness.max, 40);
  assert_float_equal(r->staleness.mean, (99 * 4 + 40) / 100.0, EPS);
  assert_int_equal(r->staleness.histogram->len, 2);
  synth_ps_update(t, 0, 6, 99, 40, 201 * MS);
  g_autoptr(PaleoAnalysisReport) r2 = analyze(t);
  assert_int_equal(r2->staleness.p99, 40);
  assert_int_equal(r2->staleness.p50, 4);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_interval_set),
    cmocka_unit_test(test_straggler_from_tasks),
    cmocka_unit_test(test_straggler_from_iterations_only),
    cmocka_unit_test(test_no_straggler),
    cmocka_unit_test(test_straggler_ranking),
    cmocka_unit_test(test_overlap),
    cmocka_unit_test(test_contention_star),
    cmocka_unit_test(test_json),
    cmocka_unit_test(test_csv_and_table),
    cmocka_unit_test(test_workers),
    cmocka_unit_test(test_staleness),
    cmocka_unit_test(test_staleness_tail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
