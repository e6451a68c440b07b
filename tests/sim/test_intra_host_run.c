/* paleosim run with the refined model's communication: an 8-GPU ring all-reduce inside one
 * host on a PCIe switch tree, an NVLink cube-mesh and an NVSwitch against hand-worked
 * times in both fidelities, the rule that intra-host structures are refined-only, and the
 * parameter-server software cost that sync with collective ps pays like the PS trainer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sim/run.h"
#include "sim/scenario.h"
#include "workloads/cost.h"

static gboolean close_rel(double a, double b, double rel)
{
  return fabs(a - b) <= rel * fabs(b);
}

/* Exposed communication per iteration (overlap off: the whole collective). */
static double comm_ms(const char *text, char **overrides)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(text, "test.ini", overrides, &error);
  if (!s)
    fail_msg("%s", error->message);
  PaleoRunSummary sum;
  if (!paleo_run_scenario(s, NULL, &sum, &error))
    fail_msg("%s", error->message);
  double c = sum.comm_exposed_ms;
  paleo_run_summary_clear(&sum);
  return c;
}

static const char *host8 =
  "[workload]\nnet=alex_v2\nbatch=1\ncost_model=refined\n[cluster]\ndevice=V100\nworkers=8\ngpus_per_host=8\n"
  "link=eth100\n[training]\ncollective=ring\noverlap=false\niterations=2\n";

/* The gradient S = 4 x 50303912 bytes (alex_v2); ring 2 (N-1)/N S / B, B the link the
 * structure gives one ring hop times collective_eff 0.8:
 * pcie-tree pcie3 16 GB/s (each hop GPU -> switch -> GPU or through the host, one flow per
 * link and direction) = 12.8 GB/s: 27.510 ms; cube-mesh nvlink1's 80 GB/s over 4 neighbours,
 * 20 GB/s a link = 16 GB/s: 22.008 ms; nvswitch nvlink2 150 GB/s per GPU = 120 GB/s:
 * 2.934 ms. */
static void test_ring_in_one_host(void **state)
{
  (void)state;
  const double S = 4.0 * 50303912, f = 2.0 * 7 / 8 * S * 1e3;
  struct {
    const char *intra, *link;
    double expect_ms;
  } cases[] = {
    {"cluster.intra_host=pcie-tree", "cluster.intra_host_link=pcie3", f / 12.8e9},
    {"cluster.intra_host=cube-mesh", "cluster.intra_host_link=nvlink1", f / 16e9},
    {"cluster.intra_host=nvswitch", "cluster.intra_host_link=nvlink2", f / 120e9},
  };
  const char *fidelity[] = {"training.fidelity=analytical", "training.fidelity=flow"};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    for (guint k = 0; k < 2; k++) {
      char *ov[] = {(char *)cases[i].intra, (char *)cases[i].link, (char *)fidelity[k], NULL};
      double got = comm_ms(host8, ov);
      if (!close_rel(got, cases[i].expect_ms, 1e-5)) /* ns rounding of 2 x 7 steps */
        fail_msg("%s %s: %.6f ms, expected %.6f ms", cases[i].intra, fidelity[k], got, cases[i].expect_ms);
    }
  /* cube-mesh against NVSwitch at the same per-GPU NVLink bandwidth: a ring hop gets a
   * quarter of it on the mesh */
  char *mesh[] = {"cluster.intra_host=cube-mesh", "cluster.intra_host_link=nvlink2", NULL};
  char *sw[] = {"cluster.intra_host=nvswitch", "cluster.intra_host_link=nvlink2", NULL};
  assert_true(close_rel(comm_ms(host8, mesh) / comm_ms(host8, sw), 4.0, 1e-5));
}

static void expect_error(const char *text, char **overrides, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(text, "test.ini", overrides, &error);
  assert_null(s);
  if (!strstr(error->message, needle))
    fail_msg("'%s' lacks '%s'", error->message, needle);
}

static void test_refined_only(void **state)
{
  (void)state;
  char *paleo[] = {"workload.cost_model=paleo", "cluster.intra_host=pcie-tree", NULL};
  expect_error(host8, paleo, "[cluster] intra_host");
  expect_error(host8, paleo, "cost_model = refined only");
  char *small[] = {"cluster.intra_host=cube-mesh", "cluster.gpus_per_host=4", NULL};
  expect_error(host8, small, "gpus_per_host = 8");
  char *flat[] = {"cluster.intra_host=nvswitch", "cluster.gpus_per_host=1", NULL};
  expect_error(host8, flat, "hosts of several GPUs");
  char *bad[] = {"cluster.intra_host=mesh", NULL};
  expect_error(host8, bad, "intra_host");
}

static const char *ps4 =
  "[workload]\nnet=alex_v2\nbatch=1\ncost_model=refined\n[cluster]\ndevice=V100\nworkers=4\nlink=eth100\n"
  "[training]\ncollective=ps\noverlap=false\niterations=2\n";

/* Sync with one colocated server (PALEO's OneToAll): 2 t(S (N-1)) over 100 Gbit/s x 0.8,
 * plus the refined profile's 50 us per message for the push and the pull; paleo: no
 * software cost, no efficiency. */
static void test_sync_ps_message_cost(void **state)
{
  (void)state;
  const double S = 4.0 * 50303912, wire = 2 * S * 3 / (100e9 / 8) * 1e3;
  const char *fidelity[] = {"training.fidelity=analytical", "training.fidelity=flow"};
  for (guint k = 0; k < 2; k++) {
    char *ov[] = {(char *)fidelity[k], NULL};
    double got = comm_ms(ps4, ov);
    if (!close_rel(got, wire / 0.8 + 2 * 0.050, 1e-6))
      fail_msg("refined %s: %.6f ms, expected %.6f", fidelity[k], got, wire / 0.8 + 0.1);
    char *pov[] = {(char *)fidelity[k], "workload.cost_model=paleo", NULL};
    got = comm_ms(ps4, pov);
    if (!close_rel(got, wire, 1e-6))
      fail_msg("paleo %s: %.6f ms, expected %.6f", fidelity[k], got, wire);
  }
  /* an all-reduce pays no server software cost */
  char *ring[] = {"training.collective=ring", NULL};
  assert_true(close_rel(comm_ms(ps4, ring), 2.0 * 3 / 4 * S / (100e9 / 8 * 0.8) * 1e3, 1e-6));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ring_in_one_host),
    cmocka_unit_test(test_refined_only),
    cmocka_unit_test(test_sync_ps_message_cost),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
