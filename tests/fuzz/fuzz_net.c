/* libFuzzer target: a PALEO JSON net (what `paleosim predict NET` and a scenario's
 * workload.net read), or a transformer generator spec ("transformer:preset=gpt2:layers=2",
 * workload.net's other form) when the input starts with "transformer:". The net is loaded; when it loads, every cost model costs it on a
 * device, with and without a batch override, the training costs a run would use are
 * derived (the durations handed to the engine), and data-parallel scaling is predicted. */
#include <stdint.h>

#include "fuzz_common.h"
#include "hardware/catalog.h"
#include "workloads/cost.h"
#include "workloads/net.h"
#include "workloads/net_gen.h"
#include "workloads/train_costs.h"

static const PaleoDevice *device(void)
{
  static PaleoCatalog *catalog;
  if (!catalog)
    catalog = paleo_catalog_load_default(NULL);
  return paleo_catalog_device(catalog, "TITAN_X", NULL);
}

/* `predict NET --workers 1,3,64,1048576 --scheme all` (weak and strong scaling). */
static void scale(const PaleoNet *net)
{
  static PaleoCatalog *catalog;
  if (!catalog)
    catalog = paleo_catalog_load_default(NULL);
  const PaleoLink *link = paleo_catalog_link(catalog, "ethernet", NULL);
  const guint workers[] = {1, 3, 64, 1048576};
  PaleoAllReduceScheme schemes[PALEO_ALLREDUCE_N_SCHEMES];
  for (int i = 0; i < PALEO_ALLREDUCE_N_SCHEMES; i++)
    schemes[i] = (PaleoAllReduceScheme)i;
  for (int scaling = PALEO_SCALING_WEAK; scaling <= PALEO_SCALING_STRONG; scaling++) {
    PaleoScalingRequest request = {
      .scaling = scaling, .batch = 64, .workers = workers, .n_workers = G_N_ELEMENTS(workers),
      .schemes = schemes, .n_schemes = PALEO_ALLREDUCE_N_SCHEMES,
      .comm = {.link = link, .ppp_comm = 0.72, .latency = TRUE, .intra_link = link, .workers_per_host = 8},
    };
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    GArray *rows = paleo_cost_scaling(net, device(), &o, &request, NULL);
    if (rows)
      g_array_unref(rows);
  }
}

static void cost(const PaleoNet *net, int64_t batch)
{
  for (const PaleoCostModel *m = paleo_cost_models; m->name; m++) {
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    o.batch = batch;
    o.use_pipeline = batch % 2 == 1;
    g_autoptr(GError) error = NULL;
    PaleoNetCost *c = m->cost_net(net, device(), &o, &error);
    paleo_net_cost_free(c);
    PaleoTrainCosts *tc = paleo_train_costs_new(net, device(), m->name, 0.62, 0.72, batch ? batch : 1, NULL);
    paleo_train_costs_free(tc);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_init();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = fuzz_text(data, size);
  PaleoNet *net = NULL;
  if (paleo_transformer_spec_is(text)) {
    net = paleo_transformer_load(text, 0, &error);
  } else {
    g_autofree char *path = fuzz_write("net.json", data, size);
    net = paleo_net_load(path, 0, &error);
  }
  if (net) {
    cost(net, 0);
    cost(net, 3);
    scale(net);
    if (paleo_net_set_batch(net, 1024, NULL))
      cost(net, 0);
    paleo_net_free(net);
  }
  return 0;
}
