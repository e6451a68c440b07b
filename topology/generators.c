/* The topology generator registry and the generators themselves. Each flat generator
 * creates its endpoints (workers that are hosts, then parameter servers) and hands them
 * to a fabric builder; `hierarchical` creates hosts holding GPUs and hands the hosts
 * (and parameter servers) to the fabric named by `fabric`. */
#include "topology/generators.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topology/topofile.h"

#define KEY(k) (1u << (PALEO_TOPO_KEY_##k))
#define LINK_KEYS (KEY(LINK_BW) | KEY(LINK_LATENCY) | KEY(NICS_PER_HOST))
#define FLAT_KEYS (KEY(WORKERS) | KEY(PS_COUNT) | LINK_KEYS)
#define ALWAYS_KEYS (KEY(GENERATOR) | KEY(ROUTING))

static const char *const key_names[PALEO_TOPO_N_KEYS] = {
    [PALEO_TOPO_KEY_GENERATOR] = "generator",
    [PALEO_TOPO_KEY_WORKERS] = "workers",
    [PALEO_TOPO_KEY_GPUS_PER_HOST] = "gpus_per_host",
    [PALEO_TOPO_KEY_NICS_PER_HOST] = "nics_per_host",
    [PALEO_TOPO_KEY_LINK_BW] = "link_bw_bytes_per_s",
    [PALEO_TOPO_KEY_LINK_LATENCY] = "link_latency_ns",
    [PALEO_TOPO_KEY_INTRA_BW] = "intra_bw_bytes_per_s",
    [PALEO_TOPO_KEY_INTRA_LATENCY] = "intra_latency_ns",
    [PALEO_TOPO_KEY_OVERSUBSCRIPTION] = "oversubscription",
    [PALEO_TOPO_KEY_RADIX] = "radix",
    [PALEO_TOPO_KEY_DIMS] = "dims",
    [PALEO_TOPO_KEY_PS_COUNT] = "ps_count",
    [PALEO_TOPO_KEY_FABRIC] = "fabric",
    [PALEO_TOPO_KEY_FILE] = "file",
    [PALEO_TOPO_KEY_ROUTING] = "routing",
    [PALEO_TOPO_KEY_INTRA] = "intra",
    [PALEO_TOPO_KEY_GPUS_PER_SWITCH] = "gpus_per_switch",
    [PALEO_TOPO_KEY_SOCKETS] = "sockets",
    [PALEO_TOPO_KEY_SOCKET_BW] = "socket_bw_bytes_per_s",
    [PALEO_TOPO_KEY_PCIE_BW] = "pcie_bw_bytes_per_s",
};

const char *const paleo_intra_host_names[] = {"direct", "pcie-tree", "cube-mesh", "nvswitch", NULL};

const char *paleo_topology_key_name(PaleoTopologyKey key) {
  g_assert(key < PALEO_TOPO_N_KEYS);
  return key_names[key];
}

/* ---- fabric builders: join endpoints (node ids) with switches or direct links ---- */

/* Which fabric to build over a list of endpoints. */
typedef gboolean (*FabricFn)(PaleoTopology *topo, const PaleoTopologyParams *p, const GArray *ep,
                             GError **error);

/* `nics` parallel duplex links a<->b. */
static void connect(PaleoTopology *topo, uint32_t a, uint32_t b, uint32_t nics, double bw,
                    uint64_t latency_ns) {
  for (uint32_t k = 0; k < nics; k++) paleo_topology_add_duplex(topo, a, b, bw, latency_ns);
}

static uint32_t add_switch(PaleoTopology *topo, const char *prefix, uint32_t index) {
  g_autofree char *name = g_strdup_printf("%s%u", prefix, index);
  return paleo_topology_add_node(topo, PALEO_ENTITY_SWITCH, name, -1);
}

static gboolean fabric_star(PaleoTopology *topo, const PaleoTopologyParams *p, const GArray *ep,
                            GError **error) {
  (void)error;
  uint32_t sw = add_switch(topo, "switch", 0);
  for (guint i = 0; i < ep->len; i++)
    connect(topo, g_array_index(ep, uint32_t, i), sw, p->nics_per_host, p->link_bw_bytes_per_s,
            p->link_latency_ns);
  return TRUE;
}

/* Leaf-spine sizing from the radix k and oversubscription r: h = round(k r / (r + 1))
 * host-facing ports and u = k - h uplinks per leaf, one uplink to each of u spines;
 * hosts per leaf = h / nics_per_host; each uplink gets bandwidth
 * (hosts per leaf * nics * link_bw) / (u r), so host-facing / uplink bandwidth = r exactly. */
typedef struct {
  uint32_t hosts_per_leaf, uplinks, leaves;
  double uplink_bw_bytes_per_s;
} FatTreeShape;

static gboolean fat_tree_shape(const PaleoTopologyParams *p, uint32_t endpoints, FatTreeShape *out,
                               GError **error) {
  double r = p->oversubscription;
  uint32_t k = p->radix;
  uint32_t h = (uint32_t)lround((double)k * r / (r + 1.0));
  if (h < 1) h = 1;
  if (h > k - 1) h = k - 1;
  if (h < p->nics_per_host) {
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                "topology.radix = %u with oversubscription %g leaves %u host ports per leaf, "
                "fewer than nics_per_host = %u",
                k, r, h, p->nics_per_host);
    return FALSE;
  }
  out->hosts_per_leaf = h / p->nics_per_host;
  out->uplinks = k - h;
  out->leaves = (endpoints + out->hosts_per_leaf - 1) / out->hosts_per_leaf;
  out->uplink_bw_bytes_per_s = (double)out->hosts_per_leaf * p->nics_per_host *
                               p->link_bw_bytes_per_s / ((double)out->uplinks * r);
  return TRUE;
}

static gboolean fabric_fat_tree(PaleoTopology *topo, const PaleoTopologyParams *p,
                                const GArray *ep, GError **error) {
  FatTreeShape shape;
  if (!fat_tree_shape(p, ep->len, &shape, error)) return FALSE;
  uint32_t first_leaf = paleo_topology_n_nodes(topo);
  for (uint32_t l = 0; l < shape.leaves; l++) add_switch(topo, "leaf", l);
  for (guint i = 0; i < ep->len; i++)
    connect(topo, g_array_index(ep, uint32_t, i), first_leaf + i / shape.hosts_per_leaf,
            p->nics_per_host, p->link_bw_bytes_per_s, p->link_latency_ns);
  if (shape.leaves < 2) return TRUE; /* one leaf: spines would carry nothing */
  uint32_t first_spine = paleo_topology_n_nodes(topo);
  for (uint32_t s = 0; s < shape.uplinks; s++) add_switch(topo, "spine", s);
  for (uint32_t l = 0; l < shape.leaves; l++)
    for (uint32_t s = 0; s < shape.uplinks; s++)
      connect(topo, first_leaf + l, first_spine + s, 1, shape.uplink_bw_bytes_per_s,
              p->link_latency_ns);
  return TRUE;
}

static gboolean fabric_ring(PaleoTopology *topo, const PaleoTopologyParams *p, const GArray *ep,
                            GError **error) {
  (void)error;
  guint n = ep->len;
  for (guint i = 0; n > 1 && i < (n == 2 ? 1u : n); i++)
    connect(topo, g_array_index(ep, uint32_t, i), g_array_index(ep, uint32_t, (i + 1) % n),
            p->nics_per_host, p->link_bw_bytes_per_s, p->link_latency_ns);
  return TRUE;
}

/* The largest divisor of n not above n^(1/parts). */
static uint32_t balanced_divisor(uint32_t n, int parts) {
  uint32_t best = 1;
  for (uint32_t a = 1; (double)a <= pow((double)n, 1.0 / parts) + 1e-9; a++)
    if (n % a == 0) best = a;
  return best;
}

static gboolean torus_dims(const PaleoTopologyParams *p, int d, uint32_t n, uint32_t dims[3],
                           GError **error) {
  dims[0] = dims[1] = dims[2] = 1;
  if (p->dims[0] == 0) {
    uint32_t rest = n;
    for (int i = d - 1; i > 0; i--) {
      dims[i] = balanced_divisor(rest, i + 1);
      rest /= dims[i];
    }
    dims[0] = rest;
    return TRUE;
  }
  uint64_t product = 1;
  for (int i = 0; i < d; i++) {
    dims[i] = p->dims[i];
    product *= p->dims[i];
  }
  if (product != n || (d == 2 && p->dims[2] > 1)) {
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                "topology.dims = %ux%ux%u gives %" G_GUINT64_FORMAT
                " positions for a %dD torus of %u nodes (workers/hosts + parameter servers); "
                "expected a product of exactly %u",
                p->dims[0], p->dims[1], p->dims[2], product, d, n, n);
    return FALSE;
  }
  return TRUE;
}

static gboolean fabric_torus(PaleoTopology *topo, const PaleoTopologyParams *p, const GArray *ep,
                             int d, GError **error) {
  uint32_t dims[3];
  if (!torus_dims(p, d, ep->len, dims, error)) return FALSE;
  uint32_t stride[3] = {1, dims[0], dims[0] * dims[1]};
  for (guint i = 0; i < ep->len; i++) {
    for (int k = 0; k < d; k++) {
      uint32_t c = (i / stride[k]) % dims[k];
      if (dims[k] < 2 || (dims[k] == 2 && c == 1)) continue; /* size 2: one link, not two */
      uint32_t j = i - c * stride[k] + ((c + 1) % dims[k]) * stride[k];
      connect(topo, g_array_index(ep, uint32_t, i), g_array_index(ep, uint32_t, j),
              p->nics_per_host, p->link_bw_bytes_per_s, p->link_latency_ns);
    }
  }
  return TRUE;
}

static gboolean fabric_torus2d(PaleoTopology *topo, const PaleoTopologyParams *p,
                               const GArray *ep, GError **error) {
  return fabric_torus(topo, p, ep, 2, error);
}

static gboolean fabric_torus3d(PaleoTopology *topo, const PaleoTopologyParams *p,
                               const GArray *ep, GError **error) {
  return fabric_torus(topo, p, ep, 3, error);
}

/* ---- generators ---- */

static void add_ps_endpoints(PaleoTopology *topo, const PaleoTopologyParams *p, GArray *ep) {
  for (uint32_t i = 0; i < p->ps_count; i++) {
    g_autofree char *name = g_strdup_printf("ps%u", i);
    uint32_t id = paleo_topology_add_node(topo, PALEO_ENTITY_PS, name, -1);
    g_array_append_val(ep, id);
  }
}

/* Workers that are hosts themselves, then parameter servers, joined by `fabric`. */
static gboolean build_flat(PaleoTopology *topo, const PaleoTopologyParams *p, FabricFn fabric,
                           GError **error) {
  g_autoptr(GArray) ep = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint32_t i = 0; i < p->workers; i++) {
    g_autofree char *name = g_strdup_printf("w%u", i);
    uint32_t id = paleo_topology_add_node(topo, PALEO_ENTITY_WORKER, name, -1);
    g_array_append_val(ep, id);
  }
  add_ps_endpoints(topo, p, ep);
  return fabric(topo, p, ep, error);
}

static gboolean build_star(PaleoTopology *topo, const PaleoTopologyParams *p, GError **error) {
  return build_flat(topo, p, fabric_star, error);
}

static gboolean build_fat_tree(PaleoTopology *topo, const PaleoTopologyParams *p, GError **error) {
  return build_flat(topo, p, fabric_fat_tree, error);
}

static gboolean build_ring(PaleoTopology *topo, const PaleoTopologyParams *p, GError **error) {
  return build_flat(topo, p, fabric_ring, error);
}

static gboolean build_torus2d(PaleoTopology *topo, const PaleoTopologyParams *p, GError **error) {
  return build_flat(topo, p, fabric_torus2d, error);
}

static gboolean build_torus3d(PaleoTopology *topo, const PaleoTopologyParams *p, GError **error) {
  return build_flat(topo, p, fabric_torus3d, error);
}

typedef struct {
  const char *name;
  FabricFn fn;
  guint32 keys;
} Fabric;

static const Fabric fabrics[] = {
    {"star", fabric_star, 0},
    {"fat-tree", fabric_fat_tree, KEY(RADIX) | KEY(OVERSUBSCRIPTION)},
    {"leaf-spine", fabric_fat_tree, KEY(RADIX) | KEY(OVERSUBSCRIPTION)},
    {"ring", fabric_ring, 0},
    {"torus2d", fabric_torus2d, KEY(DIMS)},
    {"torus3d", fabric_torus3d, KEY(DIMS)},
};

const char *paleo_topology_fabric_name_at(int i) {
  return i >= 0 && i < (int)G_N_ELEMENTS(fabrics) ? fabrics[i].name : NULL;
}

static const Fabric *find_fabric(const char *name, GError **error) {
  for (guint i = 0; i < G_N_ELEMENTS(fabrics); i++)
    if (g_strcmp0(fabrics[i].name, name) == 0) return &fabrics[i];
  g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_UNKNOWN,
              "topology.fabric = \"%s\" is unknown; expected star, fat-tree, leaf-spine, ring, "
              "torus2d or torus3d", name ? name : "");
  return NULL;
}

/* ---- inside a host (see PaleoIntraHost) ---- */

static uint32_t add_gpu(PaleoTopology *topo, uint32_t rank, uint32_t host) {
  g_autofree char *name = g_strdup_printf("w%u", rank);
  return paleo_topology_add_node(topo, PALEO_ENTITY_WORKER, name, (int32_t)host);
}

static uint32_t add_named(PaleoTopology *topo, PaleoEntityKind kind, uint32_t host, const char *what,
                          uint32_t index) {
  g_autofree char *name = g_strdup_printf("host%u.%s%u", host, what, index);
  return paleo_topology_add_node(topo, kind, name, -1);
}

static void intra_direct(PaleoTopology *topo, const PaleoTopologyParams *p, uint32_t host, uint32_t host_index,
                         uint32_t first, uint32_t n) {
  (void)host_index;
  for (uint32_t g = 0; g < n; g++)
    connect(topo, add_gpu(topo, first + g, host), host, 1, p->intra_bw_bytes_per_s, p->intra_latency_ns);
}

/* Socket s of `sockets` for switch i of `switches` (contiguous halves, quarters, ...). */
static uint32_t socket_of(uint32_t i, uint32_t switches, uint32_t sockets) {
  return (uint32_t)((uint64_t)i * sockets / switches);
}

/* The switches and sockets of the full host design (gpus_per_host); a partly filled host
 * (the last) fills the first switches. */
static void intra_pcie_tree(PaleoTopology *topo, const PaleoTopologyParams *p, uint32_t host,
                            uint32_t host_index, uint32_t first, uint32_t n) {
  uint32_t switches = (p->gpus_per_host + p->gpus_per_switch - 1) / p->gpus_per_switch;
  uint32_t sockets = MIN(p->sockets, switches);
  g_autofree uint32_t *socket_node = g_new(uint32_t, sockets);
  socket_node[0] = host;
  for (uint32_t k = 1; k < sockets; k++) {
    socket_node[k] = add_named(topo, PALEO_ENTITY_SWITCH, host_index, "socket", k);
    connect(topo, socket_node[k], host, 1, p->socket_bw_bytes_per_s, p->intra_latency_ns);
  }
  for (uint32_t i = 0; i < switches; i++) {
    uint32_t sw = add_named(topo, PALEO_ENTITY_SWITCH, host_index, "pcie", i);
    connect(topo, sw, socket_node[socket_of(i, switches, sockets)], 1, p->intra_bw_bytes_per_s,
            p->intra_latency_ns);
    for (uint32_t g = i * p->gpus_per_switch; g < n && g < (i + 1) * p->gpus_per_switch; g++)
      connect(topo, add_gpu(topo, first + g, host), sw, 1, p->intra_bw_bytes_per_s, p->intra_latency_ns);
  }
}

/* Cube-mesh position of rank r along the Hamiltonian cycle 0-1-2-3-7-6-5-4. */
static const uint32_t cube_position[8] = {0, 1, 2, 3, 7, 6, 5, 4};

static gboolean cube_neighbours(uint32_t a, uint32_t b) {
  return a / 4 == b / 4 || a % 4 == b % 4; /* same quad, or counterparts */
}

static void intra_cube_mesh(PaleoTopology *topo, const PaleoTopologyParams *p, uint32_t host,
                            uint32_t host_index, uint32_t first, uint32_t n) {
  g_assert(n <= 8);
  uint32_t at[8]; /* node of each mesh position; UINT32_MAX where a partly used host has none */
  for (uint32_t i = 0; i < 8; i++)
    at[i] = UINT32_MAX;
  for (uint32_t r = 0; r < n; r++)
    at[cube_position[r]] = add_gpu(topo, first + r, host);
  double link = p->intra_bw_bytes_per_s / 4;
  for (uint32_t a = 0; a < 8; a++)
    for (uint32_t b = a + 1; b < 8; b++)
      if (cube_neighbours(a, b) && at[a] != UINT32_MAX && at[b] != UINT32_MAX)
        connect(topo, at[a], at[b], 1, link, p->intra_latency_ns);
  for (uint32_t i = 0; i < 4; i++) { /* PCIe switch i: positions 2i, 2i+1 (quad-mates) */
    uint32_t sw = add_named(topo, PALEO_ENTITY_SWITCH, host_index, "pcie", i);
    connect(topo, sw, host, 1, p->pcie_bw_bytes_per_s, p->intra_latency_ns);
    for (uint32_t k = 2 * i; k < 2 * i + 2; k++)
      if (at[k] != UINT32_MAX)
        connect(topo, at[k], sw, 1, p->pcie_bw_bytes_per_s, p->intra_latency_ns);
  }
}

static void intra_nvswitch(PaleoTopology *topo, const PaleoTopologyParams *p, uint32_t host, uint32_t host_index,
                           uint32_t first, uint32_t n) {
  uint32_t sw = add_named(topo, PALEO_ENTITY_SWITCH, host_index, "nvswitch", 0);
  connect(topo, sw, host, 1, n * p->pcie_bw_bytes_per_s, p->intra_latency_ns);
  for (uint32_t g = 0; g < n; g++)
    connect(topo, add_gpu(topo, first + g, host), sw, 1, p->intra_bw_bytes_per_s, p->intra_latency_ns);
}

typedef void (*IntraFn)(PaleoTopology *topo, const PaleoTopologyParams *p, uint32_t host, uint32_t host_index,
                        uint32_t first, uint32_t n);
static const IntraFn intra_builders[PALEO_INTRA_N] = {intra_direct, intra_pcie_tree, intra_cube_mesh,
                                                      intra_nvswitch};

double paleo_topology_intra_ring_bw(const PaleoTopologyParams *p) {
  switch ((PaleoIntraHost)p->intra) {
  case PALEO_INTRA_PCIE_TREE:
    return p->sockets > 1 && p->gpus_per_host > p->gpus_per_switch
               ? MIN(p->intra_bw_bytes_per_s, p->socket_bw_bytes_per_s)
               : p->intra_bw_bytes_per_s;
  case PALEO_INTRA_CUBE_MESH: return p->intra_bw_bytes_per_s / 4;
  default: return p->intra_bw_bytes_per_s;
  }
}

static gboolean check_intra(const PaleoTopologyParams *p, GError **error) {
  if (p->intra == PALEO_INTRA_CUBE_MESH && p->gpus_per_host != 8) {
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                "topology.intra = cube-mesh is the 8-GPU hybrid cube-mesh (DGX-1): it needs gpus_per_host = 8, "
                "got %u", p->gpus_per_host);
    return FALSE;
  }
  return TRUE;
}

/* Hosts of gpus_per_host GPUs each (the last may hold fewer), connected inside by the
 * `intra` structure; hosts and PS nodes on the fabric. */
static gboolean build_hierarchical(PaleoTopology *topo, const PaleoTopologyParams *p,
                                   GError **error) {
  const Fabric *fabric = find_fabric(p->fabric, error);
  if (fabric == NULL || !check_intra(p, error)) return FALSE;
  g_autoptr(GArray) ep = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  uint32_t hosts = (p->workers + p->gpus_per_host - 1) / p->gpus_per_host;
  for (uint32_t h = 0; h < hosts; h++) {
    g_autofree char *name = g_strdup_printf("host%u", h);
    uint32_t host = paleo_topology_add_node(topo, PALEO_ENTITY_HOST, name, -1);
    g_array_append_val(ep, host);
    uint32_t first = h * p->gpus_per_host;
    intra_builders[p->intra](topo, p, host, h, first, MIN(p->gpus_per_host, p->workers - first));
  }
  add_ps_endpoints(topo, p, ep);
  return fabric->fn(topo, p, ep, error);
}

static gboolean build_file(PaleoTopology *topo, const PaleoTopologyParams *p, GError **error) {
  if (p->file == NULL || p->file[0] == '\0') {
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                "topology.file is not set; the file generator needs the path of a topology file");
    return FALSE;
  }
  if (!paleo_topology_file_load(topo, p->file, error)) return FALSE;
  uint32_t have = paleo_topology_n_workers(topo);
  if (p->workers > have) {
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                "topology.workers = %u but %s declares only %u worker nodes", p->workers, p->file,
                have);
    return FALSE;
  }
  if (p->workers > 0) paleo_topology_keep_workers(topo, p->workers);
  return TRUE;
}

const PaleoTopologyGenerator paleo_topology_generators[] = {
    {"star", "all hosts (workers, parameter servers) on one switch", FLAT_KEYS, build_star},
    {"fat-tree",
     "two-level leaf-spine: radix ports per leaf split between hosts and spine uplinks by the "
     "oversubscription ratio",
     FLAT_KEYS | KEY(RADIX) | KEY(OVERSUBSCRIPTION), build_fat_tree},
    {"leaf-spine", "the same as fat-tree", FLAT_KEYS | KEY(RADIX) | KEY(OVERSUBSCRIPTION),
     build_fat_tree},
    {"ring", "workers and parameter servers in a bidirectional ring", FLAT_KEYS, build_ring},
    {"torus2d", "2D torus (wrap-around mesh) of dims[0] x dims[1] nodes", FLAT_KEYS | KEY(DIMS),
     build_torus2d},
    {"torus3d", "3D torus of dims[0] x dims[1] x dims[2] nodes", FLAT_KEYS | KEY(DIMS),
     build_torus3d},
    {"hierarchical",
     "gpus_per_host accelerators per host connected by `intra` (direct links, a PCIe switch tree, "
     "an NVLink cube-mesh or an NVSwitch), hosts joined by nics_per_host links into the fabric "
     "named by `fabric`",
     FLAT_KEYS | KEY(GPUS_PER_HOST) | KEY(INTRA_BW) | KEY(INTRA_LATENCY) | KEY(FABRIC) |
         KEY(RADIX) | KEY(OVERSUBSCRIPTION) | KEY(DIMS) | KEY(INTRA) | KEY(GPUS_PER_SWITCH) | KEY(SOCKETS) |
         KEY(SOCKET_BW) | KEY(PCIE_BW),
     build_hierarchical},
    {"file", "nodes and links listed in a topology file (see README)", KEY(FILE) | KEY(WORKERS),
     build_file},
    {NULL, NULL, 0, NULL},
};

const char *paleo_topology_generator_name_at(int i) {
  g_return_val_if_fail(i >= 0 && i < (int)G_N_ELEMENTS(paleo_topology_generators), NULL);
  return paleo_topology_generators[i].name;
}

const PaleoTopologyGenerator *paleo_topology_generator_find(const char *name, GError **error) {
  for (const PaleoTopologyGenerator *g = paleo_topology_generators; g->name != NULL; g++)
    if (g_strcmp0(g->name, name) == 0) return g;
  g_autoptr(GString) names = g_string_new(NULL);
  for (const PaleoTopologyGenerator *g = paleo_topology_generators; g->name != NULL; g++)
    g_string_append_printf(names, "%s%s", names->len ? ", " : "", g->name);
  g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_UNKNOWN,
              "topology.generator = \"%s\" is unknown; expected one of: %s", name ? name : "",
              names->str);
  return NULL;
}

/* ---- parameters ---- */

void paleo_topology_params_init(PaleoTopologyParams *p) {
  *p = (PaleoTopologyParams){
      .generator = g_strdup("star"),
      .workers = 8,
      .gpus_per_host = 8,
      .nics_per_host = 1,
      .link_bw_bytes_per_s = 1.25e9,
      .link_latency_ns = 1000,
      .intra_bw_bytes_per_s = 15.75e9,
      .intra_latency_ns = 500,
      .oversubscription = 1.0,
      .radix = 32,
      .fabric = g_strdup("fat-tree"),
      .routing = PALEO_ROUTE_HOPS,
      .intra = PALEO_INTRA_DIRECT,
      .gpus_per_switch = 2,
      .sockets = 1,
      .socket_bw_bytes_per_s = 19.2e9,
      .pcie_bw_bytes_per_s = 15.75e9,
  };
}

void paleo_topology_params_clear(PaleoTopologyParams *p) {
  g_clear_pointer(&p->generator, g_free);
  g_clear_pointer(&p->fabric, g_free);
  g_clear_pointer(&p->file, g_free);
}

static gboolean bad_value(const char *key, const char *value, const char *expected, GError **error) {
  g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_PARSE,
              "topology.%s = \"%s\": expected %s", key, value, expected);
  return FALSE;
}

static gboolean parse_u64(const char *key, const char *value, uint64_t min, uint64_t *out,
                          GError **error) {
  char *end = NULL;
  errno = 0;
  guint64 v = g_ascii_strtoull(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || v < min) {
    g_autofree char *what = g_strdup_printf("an integer >= %" G_GUINT64_FORMAT, min);
    return bad_value(key, value, what, error);
  }
  *out = v;
  return TRUE;
}

static gboolean parse_u32(const char *key, const char *value, uint32_t min, uint32_t *out,
                          GError **error) {
  uint64_t v;
  if (!parse_u64(key, value, min, &v, error)) return FALSE;
  if (v > UINT32_MAX) return bad_value(key, value, "an integer below 2^32", error);
  *out = (uint32_t)v;
  return TRUE;
}

static gboolean parse_positive(const char *key, const char *value, double *out, GError **error) {
  char *end = NULL;
  double v = g_ascii_strtod(value, &end);
  if (end == value || *end != '\0' || !(v > 0.0) || !isfinite(v))
    return bad_value(key, value, "a finite number > 0", error);
  *out = v;
  return TRUE;
}

static gboolean parse_bandwidth(const char *key, const char *value, double *out, GError **error) {
  if (!parse_positive(key, value, out, error)) return FALSE;
  if (*out < PALEO_TOPOLOGY_MIN_BW_BYTES_PER_S || *out > PALEO_TOPOLOGY_MAX_BW_BYTES_PER_S)
    return bad_value(key, value, "a bandwidth from 1 to 1e15 bytes/s", error);
  return TRUE;
}

static gboolean parse_latency(const char *key, const char *value, uint64_t *out, GError **error) {
  if (!parse_u64(key, value, 0, out, error)) return FALSE;
  if (*out > PALEO_TOPOLOGY_MAX_LATENCY_NS)
    return bad_value(key, value, "a latency from 0 to 1000000000 ns (1 s)", error);
  return TRUE;
}

/* "4x4x2", "4x4" or "4,4,2". */
static gboolean parse_dims(const char *value, uint32_t dims[3], GError **error) {
  g_auto(GStrv) parts = g_strsplit_set(value, "x,", -1);
  guint n = g_strv_length(parts);
  if (n < 1 || n > 3) return bad_value("dims", value, "2 or 3 sizes like 4x4 or 4x4x2", error);
  uint32_t out[3] = {0, 0, 0};
  for (guint i = 0; i < n; i++) {
    g_strstrip(parts[i]);
    if (!parse_u32("dims", parts[i], 1, &out[i], NULL))
      return bad_value("dims", value, "sizes >= 1 like 4x4 or 4x4x2", error);
  }
  memcpy(dims, out, sizeof(out));
  return TRUE;
}

static gboolean key_lookup(const char *key, PaleoTopologyKey *out, GError **error) {
  for (int k = 0; k < PALEO_TOPO_N_KEYS; k++)
    if (g_strcmp0(key_names[k], key) == 0) {
      *out = (PaleoTopologyKey)k;
      return TRUE;
    }
  g_autoptr(GString) names = g_string_new(NULL);
  for (int k = 0; k < PALEO_TOPO_N_KEYS; k++)
    g_string_append_printf(names, "%s%s", k ? ", " : "", key_names[k]);
  g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_UNKNOWN,
              "topology.%s is not a topology parameter; expected one of: %s", key, names->str);
  return FALSE;
}

static gboolean set_string(char **field, const char *value) {
  g_free(*field);
  *field = g_strdup(value);
  return TRUE;
}

gboolean paleo_topology_params_set(PaleoTopologyParams *p, const char *key, const char *value,
                                   GError **error) {
  PaleoTopologyKey k;
  if (!key_lookup(key, &k, error)) return FALSE;
  gboolean ok = FALSE;
  switch (k) {
  case PALEO_TOPO_KEY_GENERATOR: ok = set_string(&p->generator, value); break;
  case PALEO_TOPO_KEY_WORKERS: ok = parse_u32(key, value, 0, &p->workers, error); break;
  case PALEO_TOPO_KEY_GPUS_PER_HOST: ok = parse_u32(key, value, 1, &p->gpus_per_host, error); break;
  case PALEO_TOPO_KEY_NICS_PER_HOST: ok = parse_u32(key, value, 1, &p->nics_per_host, error); break;
  case PALEO_TOPO_KEY_LINK_BW: ok = parse_bandwidth(key, value, &p->link_bw_bytes_per_s, error); break;
  case PALEO_TOPO_KEY_LINK_LATENCY: ok = parse_latency(key, value, &p->link_latency_ns, error); break;
  case PALEO_TOPO_KEY_INTRA_BW: ok = parse_bandwidth(key, value, &p->intra_bw_bytes_per_s, error); break;
  case PALEO_TOPO_KEY_INTRA_LATENCY: ok = parse_latency(key, value, &p->intra_latency_ns, error); break;
  case PALEO_TOPO_KEY_OVERSUBSCRIPTION: ok = parse_positive(key, value, &p->oversubscription, error); break;
  case PALEO_TOPO_KEY_RADIX: ok = parse_u32(key, value, 2, &p->radix, error); break;
  case PALEO_TOPO_KEY_DIMS: ok = parse_dims(value, p->dims, error); break;
  case PALEO_TOPO_KEY_PS_COUNT: ok = parse_u32(key, value, 0, &p->ps_count, error); break;
  case PALEO_TOPO_KEY_FABRIC: ok = set_string(&p->fabric, value); break;
  case PALEO_TOPO_KEY_FILE: ok = set_string(&p->file, value); break;
  case PALEO_TOPO_KEY_INTRA:
    for (int i = 0; i < PALEO_INTRA_N; i++)
      if (g_strcmp0(value, paleo_intra_host_names[i]) == 0) {
        p->intra = i;
        ok = TRUE;
      }
    if (!ok) return bad_value(key, value, "direct, pcie-tree, cube-mesh or nvswitch", error);
    break;
  case PALEO_TOPO_KEY_GPUS_PER_SWITCH: ok = parse_u32(key, value, 1, &p->gpus_per_switch, error); break;
  case PALEO_TOPO_KEY_SOCKETS: ok = parse_u32(key, value, 1, &p->sockets, error); break;
  case PALEO_TOPO_KEY_SOCKET_BW: ok = parse_positive(key, value, &p->socket_bw_bytes_per_s, error); break;
  case PALEO_TOPO_KEY_PCIE_BW: ok = parse_positive(key, value, &p->pcie_bw_bytes_per_s, error); break;
  case PALEO_TOPO_KEY_ROUTING:
    if (g_strcmp0(value, "hops") == 0) p->routing = PALEO_ROUTE_HOPS;
    else if (g_strcmp0(value, "latency") == 0) p->routing = PALEO_ROUTE_LATENCY;
    else return bad_value(key, value, "hops or latency", error);
    ok = TRUE;
    break;
  case PALEO_TOPO_N_KEYS: g_assert_not_reached();
  }
  if (ok) p->set_mask |= 1u << k;
  return ok;
}

gboolean paleo_topology_params_load_group(PaleoTopologyParams *p, GKeyFile *key_file,
                                          const char *group, GError **error) {
  g_auto(GStrv) keys = g_key_file_get_keys(key_file, group, NULL, error);
  if (keys == NULL) return FALSE;
  for (guint i = 0; keys[i] != NULL; i++) {
    g_autofree char *value = g_key_file_get_string(key_file, group, keys[i], error);
    if (value == NULL) return FALSE;
    if (!paleo_topology_params_set(p, keys[i], value, error)) return FALSE;
  }
  return TRUE;
}

/* Keys set through params_set must be read by the chosen generator (and fabric). */
static gboolean check_keys(const PaleoTopologyParams *p, const PaleoTopologyGenerator *gen,
                           GError **error) {
  guint32 allowed = gen->keys | ALWAYS_KEYS;
  for (int k = 0; k < PALEO_TOPO_N_KEYS; k++) {
    if (!(p->set_mask & (1u << k)) || (allowed & (1u << k))) continue;
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_UNKNOWN,
                "topology.%s does not apply to generator %s", key_names[k], gen->name);
    return FALSE;
  }
  return TRUE;
}

static gboolean check_values(const PaleoTopologyParams *p, const PaleoTopologyGenerator *gen,
                             GError **error) {
  const char *bad = NULL;
  if (gen->build != build_file && p->workers < 1) bad = "workers: expected >= 1";
  else if (p->gpus_per_host < 1) bad = "gpus_per_host: expected >= 1";
  else if (p->nics_per_host < 1) bad = "nics_per_host: expected >= 1";
  else if (!(p->link_bw_bytes_per_s > 0.0) || !isfinite(p->link_bw_bytes_per_s))
    bad = "link_bw_bytes_per_s: expected a finite value > 0";
  else if (!(p->intra_bw_bytes_per_s > 0.0) || !isfinite(p->intra_bw_bytes_per_s))
    bad = "intra_bw_bytes_per_s: expected a finite value > 0";
  else if (!(p->oversubscription > 0.0) || !isfinite(p->oversubscription))
    bad = "oversubscription: expected a finite value > 0";
  else if (p->radix < 2) bad = "radix: expected >= 2";
  if (bad == NULL) return TRUE;
  g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID, "topology.%s", bad);
  return FALSE;
}

PaleoTopology *paleo_topology_generate(const PaleoTopologyParams *p, GError **error) {
  const PaleoTopologyGenerator *gen = paleo_topology_generator_find(p->generator, error);
  if (gen == NULL || !check_keys(p, gen, error) || !check_values(p, gen, error)) return NULL;
  g_autoptr(PaleoTopology) topo = paleo_topology_new();
  paleo_topology_set_route_metric(topo, p->routing);
  if (!gen->build(topo, p, error) || !paleo_topology_finalize(topo, error)) return NULL;
  return g_steal_pointer(&topo);
}
