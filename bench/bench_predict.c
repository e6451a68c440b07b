/* paleosim-bench-predict: speed of the `paleo` cost model. Predicts every shipped net on
 * every catalog device at batches 1..1024 (powers of two) and prints predictions per
 * second; then times Inception v3 data-parallel scaling over 8 worker counts (weak and
 * strong, PALEO's four schemes, net loading included), which the original PALEO takes
 * about 0.35 s for as a process; and the time to load Inception v3's JSON alone. */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "hardware/catalog.h"
#include "workloads/cost.h"
#include "workloads/net.h"

static double sweep_all(GPtrArray *nets, const PaleoCatalog *catalog, guint *n_predictions,
                        double *checksum)
{
  gint64 start = g_get_monotonic_time();
  for (guint i = 0; i < nets->len; i++)
    for (guint d = 0; d < paleo_catalog_n_devices(catalog); d++)
      for (int64_t batch = 1; batch <= 1024; batch *= 2) {
        PaleoCostOptions o;
        paleo_cost_options_init(&o);
        o.batch = batch;
        PaleoNetCost *c = paleo_cost_net(nets->pdata[i], paleo_catalog_device_at(catalog, d), &o, NULL);
        g_assert(c);
        *checksum += c->serial.iteration_ms;
        (*n_predictions)++;
        paleo_net_cost_free(c);
      }
  return (double)(g_get_monotonic_time() - start) / 1e6;
}

/* One "simulate" of PALEO: load the net, weak and strong scaling over 1..128 workers. */
static double inception_scaling_once(const PaleoCatalog *catalog)
{
  static const guint workers[] = {1, 2, 4, 8, 16, 32, 64, 128};
  static const PaleoAllReduceScheme schemes[] = {PALEO_ALLREDUCE_ONE_TO_ALL, PALEO_ALLREDUCE_TREE,
                                                 PALEO_ALLREDUCE_BUTTERFLY,
                                                 PALEO_ALLREDUCE_BUTTERFLY_MIXING};
  g_autoptr(PaleoNet) net = paleo_net_load_named("inception_v3", 0, NULL);
  g_assert(net);
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  double sum = 0;
  for (int s = 0; s < 2; s++) {
    PaleoScalingRequest r = {.scaling = s ? PALEO_SCALING_STRONG : PALEO_SCALING_WEAK,
                             .batch = 128, .workers = workers, .n_workers = G_N_ELEMENTS(workers),
                             .schemes = schemes, .n_schemes = G_N_ELEMENTS(schemes)};
    r.comm.link = paleo_catalog_link(catalog, "ethernet", NULL);
    GArray *rows = paleo_cost_scaling(net, paleo_catalog_device(catalog, "TITAN_X", NULL), &o,
                                      &r, NULL);
    g_assert(rows);
    for (guint i = 0; i < rows->len; i++)
      sum += g_array_index(rows, PaleoScalingRow, i).iteration_ms;
    g_array_unref(rows);
  }
  return sum;
}

int main(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoCatalog) catalog = paleo_catalog_load_default(&error);
  if (!catalog) {
    fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  g_autoptr(GPtrArray) nets = g_ptr_array_new_with_free_func((GDestroyNotify)paleo_net_free);
  g_auto(GStrv) names = paleo_net_shipped_names();
  for (guint i = 0; names && names[i]; i++) {
    PaleoNet *net = paleo_net_load_named(names[i], 0, &error);
    if (!net) {
      fprintf(stderr, "%s\n", error->message);
      return 1;
    }
    g_ptr_array_add(nets, net);
  }
  guint n = 0;
  double checksum = 0, seconds = 0;
  int rounds = 0;
  while (seconds < 1.0 || rounds < 3) {
    seconds += sweep_all(nets, catalog, &n, &checksum);
    rounds++;
  }
  printf("all nets x devices x batches: %u nets, %u devices, 11 batches: %u predictions in "
         "%.3f s = %.0f predictions/s (checksum %.6g)\n",
         nets->len, paleo_catalog_n_devices(catalog), n, seconds, n / seconds, checksum);

  const int reps = 50;
  double sum = 0;
  gint64 start = g_get_monotonic_time();
  for (int i = 0; i < reps; i++)
    sum += inception_scaling_once(catalog);
  double each = (double)(g_get_monotonic_time() - start) / 1e6 / reps;
  printf("inception_v3 weak+strong scaling, 8 worker counts x 4 schemes, load included: "
         "%.3f ms per run (original PALEO ~350 ms as a process: %.0fx) (checksum %.6g)\n",
         each * 1e3, 0.35 / each, sum);

  start = g_get_monotonic_time();
  for (int i = 0; i < reps; i++)
    paleo_net_free(paleo_net_load_named("inception_v3", 0, NULL));
  printf("inception_v3 net load: %.1f us per load\n",
         (double)(g_get_monotonic_time() - start) / reps);
  return 0;
}
