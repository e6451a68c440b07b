/* paleosim timeline: option parsing, the PNG (size, something drawn in every worker lane,
 * nothing outside the plot), the SVG of a tiny trace (one rectangle per task in the
 * window), pixel-resolution coalescing of many tiny tasks, PDF, bad selections, and
 * lanes aggregating workers when more than fit readably (with a note in the title). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cairo.h>
#include <string.h>

#include "output/timeline.h"
#include "output/trace_io.h"
#include "synth_trace.h"
#include "trace_fixture.h"

/* Both passes; returns the figures of the drawing. */
static gboolean render(const SynthTrace *t, const PaleoTimelineOptions *o, PaleoTimelineInfo *info,
                       PaleoTimelineLane *lanes, guint max_lanes, GError **error)
{
  g_autoptr(PaleoTimelineScan) scan = paleo_timeline_scan_new();
  synth_replay(t, paleo_timeline_scan_sink(scan));
  g_autoptr(PaleoTimeline) tl = paleo_timeline_new(scan, o, error);
  if (!tl)
    return FALSE;
  synth_replay(t, paleo_timeline_sink(tl));
  assert_true(paleo_timeline_finish(tl, error));
  paleo_timeline_info(tl, info);
  for (guint i = 0; i < MIN(max_lanes, info->n_lanes); i++)
    paleo_timeline_lane(tl, i, &lanes[i]);
  return TRUE;
}

static void test_parse_options(void **state)
{
  (void)state;
  const struct { const char *text; uint64_t ns; } times[] = {
    {"250ns", 250}, {"1.5us", 1500}, {"12ms", 12000000}, {"2s", 2000000000}, {"0.000001s", 1000},
  };
  for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
    uint64_t ns = 0;
    assert_true(paleo_time_parse_ns(times[i].text, "--from", &ns, NULL));
    assert_int_equal(ns, times[i].ns);
  }
  const char *bad_times[] = {"12", "ms", "-1ms", "1.5 ms", "3min", ""};
  for (guint i = 0; i < G_N_ELEMENTS(bad_times); i++) {
    g_autoptr(GError) error = NULL;
    uint64_t ns = 0;
    assert_false(paleo_time_parse_ns(bad_times[i], "--to", &ns, &error));
    assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
    assert_non_null(strstr(error->message, "--to"));
  }
  g_autoptr(GArray) r = paleo_range_list_parse("0,2,5-7", "--workers", NULL);
  assert_int_equal(r->len, 3);
  assert_true(paleo_range_list_contains(r, 6));
  assert_true(paleo_range_list_contains(r, 2));
  assert_false(paleo_range_list_contains(r, 3));
  assert_false(paleo_range_list_contains(r, 8));
  g_autoptr(GArray) colon = paleo_range_list_parse("0,2,5:7", "--workers", NULL); /* the tool's A:B */
  assert_int_equal(colon->len, 3);
  assert_true(paleo_range_list_contains(colon, 6) && !paleo_range_list_contains(colon, 3));
  const char *bad_ranges[] = {"7-3", "7:3", "a", "", "1,,2", "-3", ":3", "4294967296"};
  for (guint i = 0; i < G_N_ELEMENTS(bad_ranges); i++) {
    g_autoptr(GError) error = NULL;
    assert_null(paleo_range_list_parse(bad_ranges[i], "--workers", &error));
    assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
  }
  PaleoTimelineFormat f;
  assert_true(paleo_timeline_format_from_path("a/b.SVG", &f, NULL));
  assert_int_equal(f, PALEO_TIMELINE_SVG);
  assert_false(paleo_timeline_format_from_path("b.jpg", &f, NULL));
}

static const SynthDataParallel four_workers = {
  .workers = 4, .iterations = 2, .layers = 3, .per_host = 2, .fwd_ns = 5 * MS,
  .bwd_ns = 10 * MS, .comm_ns = 10 * MS, .update_ns = 2 * MS, .slow_worker = 1,
  .slow_factor = 1.5, .with_tasks = TRUE,
};

static guint count_non_white(cairo_surface_t *img, int x0, int x1, int y0, int y1)
{
  const unsigned char *data = cairo_image_surface_get_data(img);
  int stride = cairo_image_surface_get_stride(img);
  guint n = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      if ((((const uint32_t *)(data + y * stride))[x] & 0xFFFFFF) != 0xFFFFFF)
        n++;
  return n;
}

static void test_png(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&four_workers);
  g_autofree char *path = fixture_tmp_path("timeline.png");
  PaleoTimelineOptions o = {.output_path = path, .format = PALEO_TIMELINE_PNG,
                            .width_px = 900, .height_px = 320, .links = TRUE};
  PaleoTimelineInfo info;
  PaleoTimelineLane lanes[4];
  assert_true(render(t, &o, &info, lanes, 4, NULL));
  assert_int_equal(info.n_lanes, 4);
  assert_int_equal(info.n_link_lanes, 2);
  cairo_surface_t *img = cairo_image_surface_create_from_png(path);
  assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
  assert_int_equal(cairo_image_surface_get_width(img), 900);
  assert_int_equal(cairo_image_surface_get_height(img), 320);
  int px0 = (int)info.plot_x0, px1 = (int)info.plot_x1;
  for (guint i = 0; i < 4; i++) {
    assert_int_equal(lanes[i].worker, i);
    guint compute = count_non_white(img, px0, px1, (int)lanes[i].compute_y0, (int)lanes[i].compute_y1);
    guint comm = count_non_white(img, px0, px1, (int)lanes[i].comm_y0, (int)lanes[i].comm_y1);
    /* the compute stream is busy or waiting the whole run; comm 2 x 10 of 159 ms */
    assert_true(compute > 0.95 * (px1 - px0) * (lanes[i].compute_y1 - lanes[i].compute_y0));
    assert_true(comm > 0.10 * (px1 - px0) * (lanes[i].comm_y1 - lanes[i].comm_y0));
    assert_true(comm < 0.16 * (px1 - px0) * (lanes[i].comm_y1 - lanes[i].comm_y0));
    assert_int_equal(count_non_white(img, px1 + 2, 900, (int)lanes[i].compute_y0,
                                     (int)lanes[i].comm_y1), 0);
  }
  cairo_surface_destroy(img);
}

/* Two workers; iteration 0 in [0, 32) ms, iteration 1 of worker 0 in [40, 60) ms; the window
 * [0, 35) ms holds 7 tasks (3 forward, 2 backward, 2 update); wider than a pixel each. */
static SynthTrace *tiny_trace(void)
{
  SynthTrace *t = synth_new("tiny");
  synth_entity(t, 0, PALEO_ENTITY_WORKER, -1, 0, "w0");
  synth_entity(t, 1, PALEO_ENTITY_WORKER, -1, 1, "w1");
  synth_iteration(t, 0, 0, 0, 32 * MS, 0);
  synth_iteration(t, 1, 0, 0, 32 * MS, 10 * MS);
  synth_iteration(t, 0, 1, 40 * MS, 60 * MS, 0);
  synth_task(t, 0, 0, 0, PALEO_PHASE_FWD, 0, 10 * MS);
  synth_task(t, 0, 0, 0, PALEO_PHASE_BWD, 10 * MS, 30 * MS);
  synth_task(t, 0, 0, UINT32_MAX, PALEO_PHASE_UPDATE, 30 * MS, 32 * MS);
  synth_task(t, 1, 0, 0, PALEO_PHASE_FWD, 0, 5 * MS);
  synth_task(t, 1, 0, 1, PALEO_PHASE_FWD, 5 * MS, 10 * MS); /* adjacent, same colour */
  synth_task(t, 1, 0, 0, PALEO_PHASE_BWD, 10 * MS, 20 * MS);
  synth_task(t, 1, 0, UINT32_MAX, PALEO_PHASE_UPDATE, 30 * MS, 32 * MS);
  synth_task(t, 0, 1, 0, PALEO_PHASE_FWD, 40 * MS, 50 * MS);  /* outside the window */
  synth_task(t, 0, 1, 0, PALEO_PHASE_BWD, 50 * MS, 58 * MS);  /* outside the window */
  synth_flow(t, 0, 1, 0, 20 * MS, 30 * MS);
  return t;
}

/* cairo writes fills as <path style="...fill:rgb(R%,G%,B%)...">. */
static guint count_fills(const char *svg, PaleoTimelineColour colour)
{
  double rgb[3];
  paleo_timeline_colour(colour, rgb);
  g_autofree char *needle = g_strdup_printf("fill-rule:nonzero;fill:rgb(%g%%,%g%%,%g%%)",
                                            rgb[0] * 100, rgb[1] * 100, rgb[2] * 100);
  guint n = 0;
  for (const char *p = strstr(svg, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* Link lane labels are cut to 14 characters, never inside a character, and a name shorter
 * than that is drawn whole (the fuzzer found the cut reading past a short name's end). */
static void test_link_labels(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&four_workers);
  g_array_index(t->links, PaleoLinkRecord, 0).name = "x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
  g_array_index(t->links, PaleoLinkRecord, 1).name = "a";
  g_autofree char *path = fixture_tmp_path("timeline-labels.png");
  PaleoTimelineOptions o = {.output_path = path, .format = PALEO_TIMELINE_PNG,
                            .width_px = 900, .height_px = 320, .links = TRUE};
  PaleoTimelineInfo info;
  PaleoTimelineLane lanes[4];
  g_autoptr(GError) error = NULL;
  if (!render(t, &o, &info, lanes, 4, &error)) /* cairo refuses text that is not UTF-8 */
    fail_msg("%s", error ? error->message : "render failed");
  assert_int_equal(info.n_link_lanes, 2);
}

static void test_svg_one_rect_per_task(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = tiny_trace();
  g_autofree char *path = fixture_tmp_path("tiny.svg");
  PaleoTimelineOptions o = {.output_path = path, .format = PALEO_TIMELINE_SVG, .width_px = 800,
                            .has_from = TRUE, .from_ns = 0, .has_to = TRUE, .to_ns = 35 * MS};
  PaleoTimelineInfo info;
  PaleoTimelineLane lanes[2];
  assert_true(render(t, &o, &info, lanes, 2, NULL));
  g_autofree char *svg = NULL;
  assert_true(g_file_get_contents(path, &svg, NULL, NULL));
  /* each colour also has one legend swatch */
  assert_int_equal(count_fills(svg, PALEO_TIMELINE_FORWARD), 3 + 1);
  assert_int_equal(count_fills(svg, PALEO_TIMELINE_BACKWARD), 2 + 1);
  assert_int_equal(count_fills(svg, PALEO_TIMELINE_UPDATE), 2 + 1);
  assert_int_equal(count_fills(svg, PALEO_TIMELINE_COMMUNICATION), 2 + 1); /* both ends */
  assert_int_equal(count_fills(svg, PALEO_TIMELINE_WAITING), 2 + 1);      /* iteration 0 x 2 */
  assert_int_equal(info.records_drawn, 2 + 7 + 1);
  assert_int_equal(info.rects_drawn, 7 + 2 + 2);
  assert_non_null(strstr(svg, "width=\"800pt\""));
}

/* 200 000 tasks of 1 us, colour changing every 100 tasks, on a 280-pixel plot: drawn as
 * about one rectangle per pixel column, not one per task. */
static void test_coalescing(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_new("many tiny tasks");
  synth_entity(t, 0, PALEO_ENTITY_WORKER, -1, 0, "w0");
  synth_iteration(t, 0, 0, 0, 200000 * 1000, 0);
  for (uint64_t i = 0; i < 200000; i++)
    synth_task(t, 0, 0, 0, (i / 100) % 2 ? PALEO_PHASE_BWD : PALEO_PHASE_FWD, i * 1000, i * 1000 + 1000);
  const PaleoTimelineFormat formats[] = {PALEO_TIMELINE_PNG, PALEO_TIMELINE_SVG};
  const char *names[] = {"many.png", "many.svg"};
  for (guint f = 0; f < 2; f++) {
    g_autofree char *path = fixture_tmp_path(names[f]);
    PaleoTimelineOptions o = {.output_path = path, .format = formats[f], .width_px = 400};
    PaleoTimelineInfo info;
    PaleoTimelineLane lane;
    assert_true(render(t, &o, &info, &lane, 1, NULL));
    assert_int_equal(info.plot_x1 - info.plot_x0, 280);
    assert_int_equal(info.records_drawn, 200001);
    assert_true(info.rects_drawn >= 140);
    assert_true(info.rects_drawn <= 2 * 280 + 2);
  }
}

static void test_pdf(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&four_workers);
  g_autofree char *path = fixture_tmp_path("timeline.pdf");
  g_autoptr(GArray) workers = paleo_range_list_parse("1-2", "--workers", NULL);
  g_autoptr(GArray) iterations = paleo_range_list_parse("1", "--iterations", NULL);
  PaleoTimelineOptions o = {.output_path = path, .format = PALEO_TIMELINE_PDF,
                            .workers = workers, .iterations = iterations};
  PaleoTimelineInfo info;
  PaleoTimelineLane lanes[2];
  assert_true(render(t, &o, &info, lanes, 2, NULL));
  assert_int_equal(info.n_lanes, 2);
  assert_int_equal(lanes[0].worker, 1);
  assert_int_equal(lanes[1].worker, 2);
  /* iteration 1 of the run: compute 1.5 x 45 ms = 67.5, comm 10, update 2 -> [79.5, 159) ms */
  assert_int_equal(info.from_ns, 79500000);
  assert_int_equal(info.to_ns, 159000000);
  g_autofree char *pdf = NULL;
  gsize len = 0;
  assert_true(g_file_get_contents(path, &pdf, &len, NULL));
  assert_true(len > 100 && !memcmp(pdf, "%PDF", 4));
}

static void test_bad_selections(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&four_workers);
  g_autofree char *path = fixture_tmp_path("bad.png");
  g_autoptr(GArray) no_workers = paleo_range_list_parse("9-12", "--workers", NULL);
  g_autoptr(GArray) no_iterations = paleo_range_list_parse("5", "--iterations", NULL);
  PaleoTimelineOptions cases[] = {
    {.output_path = path, .workers = no_workers},
    {.output_path = path, .iterations = no_iterations},
    {.output_path = path, .has_from = TRUE, .from_ns = 500 * MS},  /* after the trace's end */
    {.output_path = path, .height_px = 100},                        /* 4 lanes in 100 px */
    {.output_path = path, .width_px = 50},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    PaleoTimelineInfo info;
    assert_false(render(t, &cases[i], &info, NULL, 0, &error));
    assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
  }
  g_autoptr(GError) error = NULL;
  PaleoTimelineOptions unwritable = {.output_path = "/nonexistent-dir/x.png"};
  PaleoTimelineInfo info;
  assert_false(render(t, &unwritable, &info, NULL, 0, &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO));
}

/* 2000 workers do not fit in 4000 pixels at 10 pixels a lane: each lane holds several
 * consecutive workers, every worker is in exactly one lane, and the title says so. */
static void test_aggregated_lanes(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_new("two thousand workers");
  for (uint32_t w = 0; w < 2000; w++) {
    synth_entity(t, w, PALEO_ENTITY_WORKER, -1, (int32_t)w, "gpu");
    synth_iteration(t, w, 0, 0, 1000000, 0);
    synth_task(t, w, 0, 0, PALEO_PHASE_FWD, 0, 400000 + w);
  }
  g_autofree char *path = fixture_tmp_path("many-workers.svg");
  PaleoTimelineOptions o = {.output_path = path, .format = PALEO_TIMELINE_SVG};
  PaleoTimelineInfo info;
  PaleoTimelineLane lanes[2];
  assert_true(render(t, &o, &info, lanes, 2, NULL));
  assert_true(info.workers_per_lane > 1);
  assert_int_equal(info.n_lanes, (2000 + info.workers_per_lane - 1) / info.workers_per_lane);
  assert_true(info.height_px <= 4000);
  assert_int_equal(lanes[0].worker, 0);
  assert_int_equal(lanes[0].last_worker, info.workers_per_lane - 1);
  assert_int_equal(lanes[1].worker, info.workers_per_lane);
  g_autofree char *svg = NULL;
  assert_true(g_file_get_contents(path, &svg, NULL, NULL));
  assert_true(info.records_drawn == 2000 + 2000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_options),
    cmocka_unit_test(test_png),
    cmocka_unit_test(test_link_labels),
    cmocka_unit_test(test_svg_one_rect_per_task),
    cmocka_unit_test(test_coalescing),
    cmocka_unit_test(test_pdf),
    cmocka_unit_test(test_bad_selections),
    cmocka_unit_test(test_aggregated_lanes),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  paleo_timeline_release_fonts();
  return failed;
}
