/* Pipeline parallelism through the planner and the executor, in both fidelities: for P
 * uniform stages and negligible communication, the bubble of every stage is
 * (P - 1) / (M + P - 1) within 1 % and the iteration takes (M + P - 1)(t_f + t_b) +
 * update; 1F1B holds at most P micro-batches in flight on the first stage, GPipe M; the
 * graph is pure data (GPipe and 1F1B differ only in the stream orders). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "engine/engine.h"
#include "topology/generators.h"
#include "topology/network.h"
#include "workloads/collective.h"
#include "workloads/executor.h"
#include "workloads/planner.h"
#include "workloads/train.h"

#define LAYERS_PER_STAGE 4
#define FWD_NS 1000000   /* per layer */
#define BWD_NS 2000000
#define UPDATE_NS 1000000 /* the whole net */

/* A chain of identical layers: uniform stages, tiny activations and gradients. */
static PaleoTrainCosts *uniform_costs(guint layers)
{
  PaleoTrainCosts *c = g_new0(PaleoTrainCosts, 1);
  c->n_layers = layers;
  c->fwd_ns = g_new(uint64_t, layers);
  c->bwd_ns = g_new(uint64_t, layers);
  c->grad_bytes = g_new(uint64_t, layers);
  c->out_bytes = g_new(uint64_t, layers);
  c->fetch_ns = g_new0(uint64_t, layers);
  for (guint i = 0; i < layers; i++) {
    c->fwd_ns[i] = FWD_NS;
    c->bwd_ns[i] = BWD_NS;
    c->grad_bytes[i] = 4096;
    c->out_bytes[i] = 1024;
    c->total_grad_bytes += 4096;
  }
  c->update_ns = UPDATE_NS;
  c->batch = 64;
  return c;
}

typedef struct {
  double iteration_ms;
  double bubble[8];      /* per stage */
  uint32_t in_flight[8]; /* per stage (its worker) */
} Outcome;

static const PaleoLink fast_link = {.name = "fast", .gbps = 8e4, .latency_us = 0};

static Outcome run_pipeline(uint32_t P, uint32_t M, PaleoPipeSchedule schedule, PaleoFidelity fidelity)
{
  g_autoptr(PaleoTrainCosts) costs = uniform_costs(P * LAYERS_PER_STAGE);
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoTopology) topo = NULL;
  g_autoptr(PaleoNetwork) network = NULL;
  g_autofree uint32_t *nodes = g_new(uint32_t, P);
  if (fidelity == PALEO_FIDELITY_FLOW) {
    PaleoTopologyParams p;
    paleo_topology_params_init(&p);
    p.workers = P;
    p.link_bw_bytes_per_s = 1e13;
    p.link_latency_ns = 0;
    g_autoptr(GError) error = NULL;
    topo = paleo_topology_generate(&p, &error);
    paleo_topology_params_clear(&p);
    assert_non_null(topo);
    for (uint32_t w = 0; w < P; w++)
      nodes[w] = paleo_topology_worker_node(topo, w);
    network = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  }
  PaleoTrainConfig cfg = {.workers = P, .iterations = 3, .collective = PALEO_COLLECTIVE_RING, .fidelity = fidelity,
                          .overlap = TRUE, .bucket_bytes = 1 << 20, .ps_servers = 1, .gpus_per_host = 1,
                          .links = {&fast_link, &fast_link, 1.0, FALSE}, .worker_nodes = nodes, .stages = P,
                          .micro_batches = M, .splits = 1, .schedule = schedule};
  g_autoptr(PaleoTrainer) t = paleo_train_sync_new(engine, network, costs, &cfg);
  paleo_engine_run(engine, NULL);
  const PaleoTrainStats *st = paleo_trainer_stats(t);
  assert_true(st->complete);
  Outcome o = {.iteration_ms = (st->iteration_end_ns[2] - st->iteration_end_ns[1]) / 1e6};
  for (uint32_t s = 0; s < P; s++) {
    assert_int_equal(st->stage_of[s], s);
    o.bubble[s] = 1.0 - (double)st->pass_busy_ns[s] / (double)st->window_ns;
    o.in_flight[s] = st->peak_in_flight[s];
  }
  return o;
}

static void check_properties(PaleoFidelity fidelity)
{
  static const uint32_t Ps[] = {2, 4, 8}, Ms[] = {1, 4, 8, 16};
  for (guint a = 0; a < G_N_ELEMENTS(Ps); a++)
    for (guint b = 0; b < G_N_ELEMENTS(Ms); b++)
      for (int sch = PALEO_PIPE_GPIPE; sch <= PALEO_PIPE_1F1B; sch++) {
        uint32_t P = Ps[a], M = Ms[b];
        Outcome o = run_pipeline(P, M, (PaleoPipeSchedule)sch, fidelity);
        double tf = LAYERS_PER_STAGE * FWD_NS / 1e6, tb = LAYERS_PER_STAGE * BWD_NS / 1e6;
        double want_ms = (M + P - 1) * (tf + tb) + UPDATE_NS / 1e6 / P;
        double want_bubble = (double)(P - 1) / (M + P - 1);
        if (fabs(o.iteration_ms - want_ms) > 0.01 * want_ms)
          fail_msg("P %u M %u %s: iteration %.6f ms, expected %.6f", P, M, paleo_pipe_schedule_names[sch],
                   o.iteration_ms, want_ms);
        for (uint32_t s = 0; s < P; s++)
          if (fabs(o.bubble[s] - want_bubble) > 0.01 * MAX(want_bubble, 1e-9) + 1e-9)
            fail_msg("P %u M %u %s stage %u: bubble %.6f, expected %.6f", P, M, paleo_pipe_schedule_names[sch], s,
                     o.bubble[s], want_bubble);
        uint32_t want_in_flight = sch == PALEO_PIPE_GPIPE ? M : MIN(P, M);
        assert_int_equal(o.in_flight[0], want_in_flight);
        for (uint32_t s = 1; sch == PALEO_PIPE_1F1B && s < P; s++)
          assert_true(o.in_flight[s] <= P - s);
      }
}

static void test_pipeline_analytical(void **state)
{
  (void)state;
  check_properties(PALEO_FIDELITY_ANALYTICAL);
}

static void test_pipeline_flow(void **state)
{
  (void)state;
  check_properties(PALEO_FIDELITY_FLOW);
}

/* The same plan with the two schedules: identical tasks and dependencies, different
 * stream orders. */
static void test_schedules_differ_only_in_order(void **state)
{
  (void)state;
  g_autoptr(PaleoTrainCosts) costs = uniform_costs(4 * LAYERS_PER_STAGE);
  PaleoPlan plan = {.stages = 4, .micro_batches = 6, .splits = 1, .collective = PALEO_COLLECTIVE_RING,
                    .overlap = TRUE, .bucket_bytes = 1 << 20};
  g_autoptr(GError) error = NULL;
  plan.schedule = PALEO_PIPE_GPIPE;
  g_autoptr(PaleoStepGraph) g = paleo_plan_step(NULL, costs, &plan, &error);
  plan.schedule = PALEO_PIPE_1F1B;
  g_autoptr(PaleoStepGraph) h = paleo_plan_step(NULL, costs, &plan, &error);
  assert_non_null(g);
  assert_non_null(h);
  assert_int_equal(g->tasks->len, h->tasks->len);
  assert_int_equal(g->edges->len, h->edges->len);
  guint compute = 0, transfers = 0, collectives = 0;
  for (guint i = 0; i < g->tasks->len; i++) {
    const PaleoTask *t = paleo_step_graph_task(g, i);
    compute += t->kind == PALEO_TASK_COMPUTE;
    transfers += t->kind == PALEO_TASK_TRANSFER;
    collectives += t->kind == PALEO_TASK_COLLECTIVE;
  }
  /* 16 layers x 6 micro-batches x 2 passes + 4 updates; 3 boundaries x 6 x 2; one bucket per stage */
  assert_int_equal(compute, 16 * 6 * 2 + 4);
  assert_int_equal(transfers, 3 * 6 * 2);
  assert_int_equal(collectives, 4);
  gboolean some_order_differs = FALSE;
  for (guint s = 0; s < g->streams->len; s++) {
    const PaleoGraphStream *a = paleo_step_graph_stream(g, s), *b = paleo_step_graph_stream(h, s);
    assert_int_equal(a->order->len, b->order->len);
    for (guint k = 0; k < a->order->len; k++) {
      const PaleoTask *x = paleo_step_graph_task(g, g_array_index(a->order, guint32, k));
      const PaleoTask *y = paleo_step_graph_task(h, g_array_index(b->order, guint32, k));
      some_order_differs |= x->pass != y->pass || x->micro_batch != y->micro_batch;
    }
  }
  assert_true(some_order_differs);
  /* the contention-free critical path of one step is (M + P - 1)(t_f + t_b) + update */
  uint64_t want = (6 + 4 - 1) * (uint64_t)LAYERS_PER_STAGE * (FWD_NS + BWD_NS) + UPDATE_NS / 4;
  assert_int_equal(paleo_step_graph_critical_ns(g, NULL, NULL), want);
  assert_int_equal(paleo_step_graph_critical_ns(h, NULL, NULL), want);
}

/* Interleaved 1F1B (Megatron): v chunks per device shrink the bubble v times: with uniform
 * chunks and negligible communication the step takes M t + (P - 1) t / v + update, t the
 * device's forward and backward of one micro-batch. */
static void test_interleaved_bubble(void **state)
{
  (void)state;
  static const uint32_t Ps[] = {2, 4}, vs[] = {2, 4}, Ms[] = {4, 8};
  for (guint a = 0; a < G_N_ELEMENTS(Ps); a++)
    for (guint c = 0; c < G_N_ELEMENTS(vs); c++)
      for (guint d = 0; d < G_N_ELEMENTS(Ms); d++) {
        uint32_t P = Ps[a], v = vs[c], M = Ms[d];
        g_autoptr(PaleoTrainCosts) costs = uniform_costs(P * v * 2); /* 2 layers per chunk */
        g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
        PaleoTrainConfig cfg = {.workers = P, .iterations = 3, .collective = PALEO_COLLECTIVE_RING,
                                .fidelity = PALEO_FIDELITY_ANALYTICAL, .overlap = TRUE, .bucket_bytes = 1 << 20,
                                .ps_servers = 1, .gpus_per_host = 1, .links = {&fast_link, &fast_link, 1.0, FALSE},
                                .stages = P, .micro_batches = M, .splits = 1, .schedule = PALEO_PIPE_1F1B,
                                .virtual_stages = v};
        g_autoptr(PaleoTrainer) t = paleo_train_sync_new(engine, NULL, costs, &cfg);
        paleo_engine_run(engine, NULL);
        const PaleoTrainStats *st = paleo_trainer_stats(t);
        assert_true(st->complete);
        double iter = (st->iteration_end_ns[2] - st->iteration_end_ns[1]) / 1e6;
        double per_mb = 2.0 * v * (FWD_NS + BWD_NS) / 1e6;
        double want = M * per_mb + (P - 1) * per_mb / v + UPDATE_NS / 1e6 / P;
        if (fabs(iter - want) > 0.01 * want)
          fail_msg("P %u v %u M %u: iteration %.6f ms, expected %.6f", P, v, M, iter, want);
      }
}

/* A schedule that contradicts the dependencies is refused, not run into a deadlock. */
/* The flow-fidelity memory a run checks before building (finding 12), hand-worked: two
 * stages of 8 layers, 8 workers = 4 replicas, one bucket per device (overlap off).
 * Schedules are step descriptions (no message is stored); an instance is a cursor over its
 * 4 participants and its widest step's 4 messages in flight, m bytes each (a FlowCtx and a
 * network flow of at most 8 hops). Plain: both devices' all-reduces share one ring
 * schedule (6 steps); two instances per device's stream: schedule + 4 (cursor + 4 m), 16
 * messages in flight. ZeRO-1: a reduce-scatter and an all-gather schedule (3 steps each),
 * the same instances. At 65,536 replicas the ring needs about 100 MB, not the 274 GB of
 * stored messages it once did. */
static void test_flow_memory_hand_worked(void **state)
{
  (void)state;
  g_autoptr(PaleoTrainCosts) costs = uniform_costs(4 * LAYERS_PER_STAGE);
  PaleoTrainConfig cfg = {.workers = 8, .collective = PALEO_COLLECTIVE_RING, .fidelity = PALEO_FIDELITY_FLOW,
                          .gpus_per_host = 1};
  PaleoCollectiveSpec ring = {.kind = PALEO_COLLECTIVE_RING, .workers = 4, .bytes = 1 << 20};
  g_autoptr(PaleoSchedule) all_reduce = paleo_schedule_new(&ring);
  ring.op = PALEO_OP_REDUCE_SCATTER;
  g_autoptr(PaleoSchedule) half = paleo_schedule_new(&ring);
  double cursor = (double)paleo_cursor_start_bytes(all_reduce), per_message = 0;
  for (uint32_t zero = 0; zero <= 1; zero++) {
    PaleoPlan plan = {.stages = 2, .micro_batches = 2, .splits = 1, .collective = PALEO_COLLECTIVE_RING,
                      .overlap = FALSE, .bucket_bytes = 1 << 20, .replicas = 4, .zero = zero};
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoStepGraph) g = paleo_plan_step(NULL, costs, &plan, &error);
    assert_non_null(g);
    uint64_t in_flight = 0;
    double bytes = paleo_executor_flow_memory(g, &cfg, &in_flight);
    assert_int_equal(in_flight, 16);
    double schedules = zero ? 2.0 * (double)paleo_schedule_bytes(half) : (double)paleo_schedule_bytes(all_reduce);
    double m = (bytes - schedules - 4 * cursor) / 16;
    assert_true(m >= (double)paleo_network_flow_bytes(8) && m < 1024 && m == floor(m));
    if (zero)
      assert_float_equal(m, per_message, 0); /* the same instances */
    per_message = m;
  }
  PaleoPlan plan = {.stages = 2, .micro_batches = 2, .splits = 1, .collective = PALEO_COLLECTIVE_RING,
                    .overlap = FALSE, .bucket_bytes = 1 << 20, .replicas = 65536};
  cfg.workers = 2 * 65536;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoStepGraph) g = paleo_plan_step(NULL, costs, &plan, &error);
  assert_non_null(g);
  uint64_t in_flight = 0;
  double bytes = paleo_executor_flow_memory(g, &cfg, &in_flight);
  assert_int_equal(in_flight, 4 * 65536);
  assert_true(bytes > 4 * 65536 * per_message && bytes < 200e6);
}

static void test_cycle_refused(void **state)
{
  (void)state;
  g_autoptr(PaleoStepGraph) g = paleo_step_graph_new(1, 1, 1);
  uint32_t s = paleo_step_graph_add_stream(g, 0, PALEO_STREAM_COMPUTE);
  PaleoTask t = {.kind = PALEO_TASK_COMPUTE, .stream = s, .layer = 0, .cost_ns = 1};
  uint32_t a = paleo_step_graph_add_task(g, &t);
  uint32_t b = paleo_step_graph_add_task(g, &t);
  paleo_step_graph_add_dep(g, a, b); /* a runs first on the stream but waits for b */
  g_autoptr(GError) error = NULL;
  assert_false(paleo_step_graph_finalize(g, &error));
  assert_non_null(strstr(error->message, "cycle"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pipeline_analytical),
    cmocka_unit_test(test_pipeline_flow),
    cmocka_unit_test(test_schedules_differ_only_in_order),
    cmocka_unit_test(test_cycle_refused),
    cmocka_unit_test(test_flow_memory_hand_worked),
    cmocka_unit_test(test_interleaved_bubble),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
