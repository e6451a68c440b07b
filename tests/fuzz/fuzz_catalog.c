/* libFuzzer target: a hardware catalog file (`paleosim predict --hardware FILE`). When it
 * loads on top of the shipped catalog, every device costs a small net under every cost
 * model, and every link carries a collective of each kind in closed form: the times a run
 * would derive from the figures. */
#include <stdint.h>

#include "fuzz_common.h"
#include "hardware/catalog.h"
#include "hardware/timing.h"
#include "workloads/collective.h"
#include "workloads/cost.h"
#include "workloads/net.h"

static const PaleoNet *small_net(void)
{
  static PaleoNet *net;
  if (!net)
    net = paleo_net_load_named("alex_v2", 0, NULL);
  return net;
}

static void use_device(const PaleoDevice *d)
{
  for (const PaleoCostModel *m = paleo_cost_models; m->name; m++) {
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    PaleoNetCost *c = m->cost_net(small_net(), d, &o, NULL);
    if (c)
      (void)paleo_timing_ms_to_ns(c->chosen.iteration_ms);
    paleo_net_cost_free(c);
  }
}

static void use_link(const PaleoLink *l)
{
  for (int kind = 0; kind < PALEO_COLLECTIVE_COUNT; kind++) {
    PaleoCollectiveSpec spec = {.kind = kind, .workers = 8, .bytes = 1 << 26, .ps_servers = 1,
                                .gpus_per_host = 2};
    PaleoCollectiveLinks links = {l, l, 0.72, TRUE};
    (void)paleo_collective_time_ns(&spec, &links);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_init();
  g_autofree char *path = fuzz_write("hardware.ini", data, size);
  g_autoptr(GError) error = NULL;
  PaleoCatalog *c = paleo_catalog_load_default(&error);
  if (c && paleo_catalog_add_file(c, path, &error)) {
    for (guint i = 0; i < paleo_catalog_n_devices(c); i++)
      use_device(paleo_catalog_device_at(c, i));
    for (guint i = 0; i < paleo_catalog_n_links(c); i++)
      use_link(paleo_catalog_link_at(c, i));
  }
  paleo_catalog_free(c);
  return 0;
}
