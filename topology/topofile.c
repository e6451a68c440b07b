/* Reader for topology files (format in topofile.h): line by line, errors naming
 * file:line, the offending token and what was expected. */
#include "topology/topofile.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "hardware/config_dir.h"

typedef struct {
  const char *unit;
  double scale;
} Unit;

static gboolean parse_with_units(const char *text, const Unit *units, guint n_units, double *out) {
  char *end = NULL;
  double v = g_ascii_strtod(text, &end);
  if (end == text || !isfinite(v)) return FALSE;
  if (*end == '\0') {
    *out = v;
    return TRUE;
  }
  for (guint i = 0; i < n_units; i++)
    if (g_ascii_strcasecmp(end, units[i].unit) == 0) {
      *out = v * units[i].scale;
      return TRUE;
    }
  return FALSE;
}

gboolean paleo_topology_parse_bandwidth(const char *text, double *bytes_per_s) {
  static const Unit units[] = {
      {"B/s", 1.0},       {"KB/s", 1e3},       {"MB/s", 1e6},        {"GB/s", 1e9},
      {"TB/s", 1e12},     {"bps", 1.0 / 8.0},  {"Kbps", 1e3 / 8.0},  {"Mbps", 1e6 / 8.0},
      {"Gbps", 1e9 / 8.0}, {"Tbps", 1e12 / 8.0},
  };
  double v;
  if (!parse_with_units(text, units, G_N_ELEMENTS(units), &v) ||
      !(v >= PALEO_TOPOLOGY_MIN_BW_BYTES_PER_S && v <= PALEO_TOPOLOGY_MAX_BW_BYTES_PER_S))
    return FALSE;
  *bytes_per_s = v;
  return TRUE;
}

gboolean paleo_topology_parse_latency(const char *text, guint64 *ns) {
  static const Unit units[] = {{"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  double v;
  if (!parse_with_units(text, units, G_N_ELEMENTS(units), &v) || !(v >= 0.0) ||
      v > (double)PALEO_TOPOLOGY_MAX_LATENCY_NS)
    return FALSE;
  *ns = (guint64)llround(v);
  return TRUE;
}

typedef struct {
  PaleoTopology *topo;
  GHashTable *ids; /* name -> node id + 1, names borrowed from `tokens` kept alive below */
  GPtrArray *names; /* owned copies of node names */
  const char *source;
  guint line;
} Reader;

static gboolean fail(const Reader *r, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean fail(const Reader *r, GError **error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_PARSE, "%s:%u: %s", r->source,
              r->line, msg);
  return FALSE;
}

static gboolean lookup(const Reader *r, const char *name, uint32_t *id, GError **error) {
  gpointer v = g_hash_table_lookup(r->ids, name);
  if (v == NULL) return fail(r, error, "node \"%s\" is not declared (a dangling link?)", name);
  *id = GPOINTER_TO_UINT(v) - 1;
  return TRUE;
}

static gboolean parse_kind(const char *text, PaleoEntityKind *kind) {
  static const struct {
    const char *name;
    PaleoEntityKind kind;
  } kinds[] = {{"worker", PALEO_ENTITY_WORKER},
               {"host", PALEO_ENTITY_HOST},
               {"switch", PALEO_ENTITY_SWITCH},
               {"ps", PALEO_ENTITY_PS}};
  for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
    if (strcmp(text, kinds[i].name) == 0) {
      *kind = kinds[i].kind;
      return TRUE;
    }
  return FALSE;
}

static gboolean read_node(Reader *r, char **tok, guint n, GError **error) {
  if (n < 3 || n > 4) return fail(r, error, "expected: node <name> <worker|host|switch|ps> [host=<name>]");
  PaleoEntityKind kind;
  if (!parse_kind(tok[2], &kind))
    return fail(r, error, "node kind \"%s\" is unknown; expected worker, host, switch or ps", tok[2]);
  if (g_hash_table_contains(r->ids, tok[1])) return fail(r, error, "node \"%s\" is declared twice", tok[1]);
  int32_t host = -1;
  if (n == 4) {
    if (!g_str_has_prefix(tok[3], "host=")) return fail(r, error, "expected host=<name>, got \"%s\"", tok[3]);
    uint32_t id = 0;
    if (!lookup(r, tok[3] + 5, &id, error)) return FALSE;
    if (kind != PALEO_ENTITY_WORKER) return fail(r, error, "host= applies to worker nodes only");
    host = (int32_t)id;
  }
  uint32_t id = paleo_topology_add_node(r->topo, kind, tok[1], host);
  char *name = g_strdup(tok[1]);
  g_ptr_array_add(r->names, name);
  g_hash_table_insert(r->ids, name, GUINT_TO_POINTER(id + 1));
  return TRUE;
}

static gboolean read_link(Reader *r, char **tok, guint n, GError **error) {
  if (n < 5 || n > 6)
    return fail(r, error, "expected: link <from> <to> <bandwidth> <latency> [duplex|simplex]");
  uint32_t a = 0, b = 0;
  if (!lookup(r, tok[1], &a, error) || !lookup(r, tok[2], &b, error)) return FALSE;
  if (a == b) return fail(r, error, "link joins node \"%s\" to itself", tok[1]);
  double bw;
  if (!paleo_topology_parse_bandwidth(tok[3], &bw))
    return fail(r, error, "bandwidth \"%s\": expected 1 B/s to 1 PB/s, a number with an optional "
                          "unit (B/s, KB/s, MB/s, GB/s, TB/s, bps, Kbps, Mbps, Gbps, Tbps)", tok[3]);
  guint64 lat;
  if (!paleo_topology_parse_latency(tok[4], &lat))
    return fail(r, error, "latency \"%s\": expected 0 to 1 s, a number with an optional unit "
                          "(ns, us, ms, s)", tok[4]);
  gboolean duplex = TRUE;
  if (n == 6) {
    if (strcmp(tok[5], "simplex") == 0) duplex = FALSE;
    else if (strcmp(tok[5], "duplex") != 0)
      return fail(r, error, "\"%s\": expected duplex or simplex", tok[5]);
  }
  if (duplex) paleo_topology_add_duplex(r->topo, a, b, bw, lat);
  else paleo_topology_add_link(r->topo, a, b, bw, lat, NULL);
  return TRUE;
}

static gboolean read_line(Reader *r, char *line, GError **error) {
  char *hash = strchr(line, '#');
  if (hash != NULL) *hash = '\0';
  g_auto(GStrv) raw = g_strsplit_set(g_strstrip(line), " \t", -1);
  g_autoptr(GPtrArray) tok = g_ptr_array_new();
  for (guint i = 0; raw[i] != NULL; i++)
    if (raw[i][0] != '\0') g_ptr_array_add(tok, raw[i]);
  if (tok->len == 0) return TRUE;
  char **t = (char **)tok->pdata;
  if (strcmp(t[0], "node") == 0) return read_node(r, t, tok->len, error);
  if (strcmp(t[0], "link") == 0) return read_link(r, t, tok->len, error);
  return fail(r, error, "\"%s\" is not a statement; expected node or link", t[0]);
}

gboolean paleo_topology_file_parse(PaleoTopology *topo, const char *text, const char *source,
                                   GError **error) {
  Reader r = {topo, g_hash_table_new(g_str_hash, g_str_equal), g_ptr_array_new_with_free_func(g_free),
              source, 0};
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean ok = TRUE;
  for (guint i = 0; ok && lines[i] != NULL; i++) {
    r.line = i + 1;
    ok = read_line(&r, lines[i], error);
  }
  g_hash_table_unref(r.ids);
  g_ptr_array_unref(r.names);
  return ok;
}

gboolean paleo_topology_file_load(PaleoTopology *topo, const char *path, GError **error) {
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!paleo_config_read_file(path, &text, NULL, &local)) {
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_PARSE,
                "topology.file = %s: %s", path, local->message);
    return FALSE;
  }
  return paleo_topology_file_parse(topo, text, path, error);
}
