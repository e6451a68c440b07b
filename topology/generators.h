/* Topology generators selected by name: star, fat-tree / leaf-spine, ring, torus2d,
 * torus3d, hierarchical (GPUs inside hosts, hosts on one of the other fabrics) and file.
 * Parameters come as plain numbers (bytes/s, ns): callers resolve link-catalog names
 * such as "ethernet" themselves. Workers of the flat generators are hosts themselves
 * (one accelerator each); parameter servers are their own hosts on the fabric. */
#ifndef PALEO_GENERATORS_H
#define PALEO_GENERATORS_H

#include <glib.h>
#include <stdint.h>

#include "topology/topology.h"

/* Keys of PaleoTopologyParams, as written in a scenario's [topology] group. */
typedef enum {
  PALEO_TOPO_KEY_GENERATOR,
  PALEO_TOPO_KEY_WORKERS,
  PALEO_TOPO_KEY_GPUS_PER_HOST,
  PALEO_TOPO_KEY_NICS_PER_HOST,
  PALEO_TOPO_KEY_LINK_BW,
  PALEO_TOPO_KEY_LINK_LATENCY,
  PALEO_TOPO_KEY_INTRA_BW,
  PALEO_TOPO_KEY_INTRA_LATENCY,
  PALEO_TOPO_KEY_OVERSUBSCRIPTION,
  PALEO_TOPO_KEY_RADIX,
  PALEO_TOPO_KEY_DIMS,
  PALEO_TOPO_KEY_PS_COUNT,
  PALEO_TOPO_KEY_FABRIC,
  PALEO_TOPO_KEY_FILE,
  PALEO_TOPO_KEY_ROUTING,
  PALEO_TOPO_KEY_INTRA,
  PALEO_TOPO_KEY_GPUS_PER_SWITCH,
  PALEO_TOPO_KEY_SOCKETS,
  PALEO_TOPO_KEY_SOCKET_BW,
  PALEO_TOPO_KEY_PCIE_BW,
  PALEO_TOPO_N_KEYS,
} PaleoTopologyKey;

typedef struct {
  char *generator;             /* registry name (owned); default "star" */
  uint32_t workers;            /* accelerators; default 8; file: 0 = all the file has */
  uint32_t gpus_per_host;      /* hierarchical: accelerators per host; default 8 */
  uint32_t nics_per_host;      /* parallel links from each host into the fabric; default 1 */
  double link_bw_bytes_per_s;  /* fabric links, per direction; default 1.25e9 (10 Gbit/s) */
  uint64_t link_latency_ns;    /* fabric links; default 1000 */
  double intra_bw_bytes_per_s; /* hierarchical GPU <-> host links; default 15.75e9 (PCIe 3 x16) */
  uint64_t intra_latency_ns;   /* default 500 */
  double oversubscription;     /* fat-tree: leaf host-facing / uplink bandwidth; default 1 */
  uint32_t radix;              /* fat-tree: ports per leaf switch; default 32 */
  uint32_t dims[3];            /* torus sizes; 0 = factor the node count; default 0 */
  uint32_t ps_count;           /* parameter-server nodes; default 0 */
  char *fabric;                /* hierarchical: the fabric joining hosts (owned); default "fat-tree" */
  char *file;                  /* file: path of a topology file (owned); default NULL */
  PaleoRouteMetric routing;    /* "hops" (default) or "latency" */
  /* hierarchical: how the GPUs of a host connect (PaleoIntraHost; default direct) */
  int intra;
  uint32_t gpus_per_switch;    /* pcie-tree: GPUs per PCIe switch; default 2 */
  uint32_t sockets;            /* pcie-tree: CPU sockets (PCIe roots) per host; default 1 */
  double socket_bw_bytes_per_s;/* pcie-tree: socket <-> socket link (QPI); default 19.2e9 */
  double pcie_bw_bytes_per_s;  /* cube-mesh, nvswitch: the PCIe path from the GPUs to the host
                                  (and its NICs); default 15.75e9 */
  guint32 set_mask;            /* keys given through paleo_topology_params_set (1 << key) */
} PaleoTopologyParams;

typedef struct {
  const char *name;
  const char *description;
  guint32 keys; /* mask of the keys the generator reads, beyond generator/routing */
  /* Adds nodes and links to an empty topology (finalize is done by the caller). */
  gboolean (*build)(PaleoTopology *topo, const PaleoTopologyParams *params, GError **error);
} PaleoTopologyGenerator;

/* Inside a host of the hierarchical generator (intra_bw is the GPU's link in each):
 * - direct: every GPU on its own link to the host node (a non-blocking host switch).
 * - pcie-tree: gpus_per_switch GPUs per PCIe switch, each switch on one uplink (intra_bw)
 *   to a CPU socket, switches split evenly over `sockets` sockets, sockets joined to the
 *   first (the host node, where the NICs are) by socket_bw links: GPUs under one switch
 *   share its uplink to anything off the switch (DeepBench's dual-root 8-GPU and
 *   single-root 10-GPU systems).
 * - cube-mesh: NVLink hybrid cube-mesh of 8 GPUs (DGX-1): two fully connected quads and a
 *   link from each GPU to its counterpart in the other quad, each link intra_bw / 4 (the
 *   per-GPU NVLink bandwidth over its 4 neighbours); workers are numbered along the
 *   Hamiltonian cycle 0-1-2-3-7-6-5-4, so consecutive ranks are neighbours (the ring NCCL
 *   builds); a partly used host (the last) holds the first ranks of that order. The GPUs
 *   reach the host through PCIe switches of 2 NVLink neighbours each.
 * - nvswitch: every GPU on one link of intra_bw to a non-blocking NVSwitch node, which
 *   reaches the host over the GPUs' PCIe paths (gpus x pcie_bw). */
typedef enum {
  PALEO_INTRA_DIRECT = 0,
  PALEO_INTRA_PCIE_TREE,
  PALEO_INTRA_CUBE_MESH,
  PALEO_INTRA_NVSWITCH,
  PALEO_INTRA_N
} PaleoIntraHost;

/* NULL-terminated, indexed by PaleoIntraHost: "direct", "pcie-tree", "cube-mesh", "nvswitch". */
extern const char *const paleo_intra_host_names[];

/* The bandwidth (bytes/s) each hop of a ring through one host's GPUs in rank order gets
 * from the intra-host structure alone, each link carrying one flow per direction (the
 * closed forms' intra-host bottleneck): direct and nvswitch intra_bw; pcie-tree the
 * slower of intra_bw and, with several sockets, socket_bw; cube-mesh intra_bw / 4. */
double paleo_topology_intra_ring_bw(const PaleoTopologyParams *params);

/* NULL-terminated registry, in the order `paleosim list topologies` shows it. */
extern const PaleoTopologyGenerator paleo_topology_generators[];

/* The i-th generator name / fabric name (what topology = hierarchical joins hosts with),
 * NULL past the end: the one list of names the CLI parses and lists. */
const char *paleo_topology_generator_name_at(int i);
const char *paleo_topology_fabric_name_at(int i);

/* NULL and PALEO_TOPOLOGY_ERROR_UNKNOWN (listing the names) when unknown. */
const PaleoTopologyGenerator *paleo_topology_generator_find(const char *name, GError **error);

void paleo_topology_params_init(PaleoTopologyParams *params);
void paleo_topology_params_clear(PaleoTopologyParams *params);
/* Parses one "key = value" (key as in the enum, e.g. "link_bw_bytes_per_s", "dims" as
 * "4x4x2"); unknown key or bad value -> GError naming topology.<key>. */
gboolean paleo_topology_params_set(PaleoTopologyParams *params, const char *key, const char *value,
                                   GError **error);
/* Every key of `group` through paleo_topology_params_set. */
gboolean paleo_topology_params_load_group(PaleoTopologyParams *params, GKeyFile *key_file,
                                          const char *group, GError **error);
const char *paleo_topology_key_name(PaleoTopologyKey key);

/* Builds and finalizes the topology the parameters describe. Errors name the key:
 * unknown generator or fabric, a key the generator does not read, out-of-range values,
 * and every finalize check (see topology.h). */
PaleoTopology *paleo_topology_generate(const PaleoTopologyParams *params, GError **error);

#endif
