/* Device and link catalogs read from GKeyFile INI files: groups `[device NAME]` and
 * `[link NAME]`, validated once on load, looked up case-insensitively afterwards. */
#include "hardware/catalog.h"

#include <math.h>
#include <string.h>

#include "hardware/config_dir.h"

G_DEFINE_QUARK(paleo-config-error-quark, paleo_config_error)

/* A `[refined]` or `[refined NAME]` group: the keys it sets, over the profile beneath. */
typedef struct {
  char *name;          /* device name; "" for the group that applies to every device */
  PaleoProfile values;
  guint32 set_mask;    /* 1 << index in paleo_profile_keys of each key given */
} ProfileEntry;

struct PaleoCatalog {
  GPtrArray *devices; /* of PaleoDevice*, file order; user entries appended or replaced in place */
  GPtrArray *links;   /* of PaleoLink* */
  GPtrArray *profiles; /* of ProfileEntry*; keys of a later group with the same name override */
};

/* One numeric key: where it goes, whether it is required, and its range [min, max]
 * (both ends included). The ranges keep every time a cost model derives from them
 * (cycles, compute, transfers, latencies) within the simulator's clock. */
typedef struct {
  const char *key;
  gsize offset;       /* into PaleoDevice or PaleoLink */
  gboolean required;
  double min, max;
  const char *unit;
} PaleoNumberKey;

static const PaleoNumberKey device_keys[] = {
  {"clock_mhz", G_STRUCT_OFFSET(PaleoDevice, clock_mhz), TRUE, 1, 1e9, "MHz"},
  {"peak_gflops", G_STRUCT_OFFSET(PaleoDevice, peak_gflops), TRUE, 1e-3, 1e15, "GFLOP/s"},
  {"peak_gflops_fp16", G_STRUCT_OFFSET(PaleoDevice, peak_gflops_fp16), FALSE, 0, 1e15, "GFLOP/s"},
  {"mem_gbps", G_STRUCT_OFFSET(PaleoDevice, mem_gbps), TRUE, 1e-3, 1e15, "GB/s"},
  {"mem_gib", G_STRUCT_OFFSET(PaleoDevice, mem_gib), FALSE, 0, 1e15, "GiB"},
  {"boost_mhz", G_STRUCT_OFFSET(PaleoDevice, boost_mhz), FALSE, 0, 1e9, "MHz"},
  {"boost_gflops", G_STRUCT_OFFSET(PaleoDevice, boost_gflops), FALSE, 0, 1e15, "GFLOP/s"},
  {"peak_gflops_tf32", G_STRUCT_OFFSET(PaleoDevice, peak_gflops_tf32), FALSE, 0, 1e15, "GFLOP/s"},
  {"peak_gflops_bf16", G_STRUCT_OFFSET(PaleoDevice, peak_gflops_bf16), FALSE, 0, 1e15, "GFLOP/s"},
  {"peak_gflops_fp8", G_STRUCT_OFFSET(PaleoDevice, peak_gflops_fp8), FALSE, 0, 1e15, "GFLOP/s"},
  {"sm_count", G_STRUCT_OFFSET(PaleoDevice, sm_count), FALSE, 0, 1e9, "SMs"},
  {"l2_mib", G_STRUCT_OFFSET(PaleoDevice, l2_mib), FALSE, 0, 1e9, "MiB"},
  {"dies", G_STRUCT_OFFSET(PaleoDevice, dies), FALSE, 0, 1024, "dies"},
  {"base_mhz", G_STRUCT_OFFSET(PaleoDevice, base_mhz), FALSE, 0, 1e9, "MHz"},
  {"tdp_w", G_STRUCT_OFFSET(PaleoDevice, tdp_w), FALSE, 0, 1e9, "W"},
  {"usd_per_hour", G_STRUCT_OFFSET(PaleoDevice, usd_per_hour), FALSE, 0, 1e15, "USD/h"},
  {NULL, 0, FALSE, 0, 0, NULL},
};

static const PaleoNumberKey link_keys[] = {
  {"gbps", G_STRUCT_OFFSET(PaleoLink, gbps), TRUE, 1e-3, 1e15, "Gbit/s"},
  {"latency_us", G_STRUCT_OFFSET(PaleoLink, latency_us), FALSE, 0, 1e6, "us"},
  {NULL, 0, FALSE, 0, 0, NULL},
};

static gboolean in_range(const PaleoNumberKey *k, double v)
{
  return v >= k->min && v <= k->max; /* FALSE for NaN */
}

static void device_free(gpointer p)
{
  PaleoDevice *d = p;
  g_free(d->name);
  g_free(d->description);
  g_free(d->source);
  g_free(d->arch_source);
  g_free(d->aliases);
  g_free(d);
}

static void link_free(gpointer p)
{
  PaleoLink *l = p;
  g_free(l->name);
  g_free(l->description);
  g_free(l->source);
  g_free(l);
}

static void profile_entry_free(gpointer p)
{
  ProfileEntry *e = p;
  g_free(e->name);
  g_free(e);
}

static PaleoCatalog *catalog_new(void)
{
  PaleoCatalog *c = g_new0(PaleoCatalog, 1);
  c->devices = g_ptr_array_new_with_free_func(device_free);
  c->links = g_ptr_array_new_with_free_func(link_free);
  c->profiles = g_ptr_array_new_with_free_func(profile_entry_free);
  return c;
}

void paleo_catalog_free(PaleoCatalog *catalog)
{
  if (!catalog)
    return;
  g_ptr_array_unref(catalog->devices);
  g_ptr_array_unref(catalog->links);
  g_ptr_array_unref(catalog->profiles);
  g_free(catalog);
}

static gboolean key_is_known(const char *key, const PaleoNumberKey *numbers)
{
  if (!strcmp(key, "description") || !strcmp(key, "source"))
    return TRUE;
  if (numbers == device_keys && (!strcmp(key, "arch_source") || !strcmp(key, "aliases") || !strcmp(key, "arch")))
    return TRUE;
  for (const PaleoNumberKey *k = numbers; k->key; k++)
    if (!strcmp(key, k->key))
      return TRUE;
  return FALSE;
}

static char *expected_keys(const PaleoNumberKey *numbers)
{
  GString *s = g_string_new(NULL);
  for (const PaleoNumberKey *k = numbers; k->key; k++)
    g_string_append_printf(s, "%s, ", k->key);
  g_string_append(s, numbers == device_keys ? "description, source, arch, arch_source, aliases" : "description, source");
  return g_string_free(s, FALSE);
}

/* Rejects keys that are not in the table (typos would otherwise pass silently). */
static gboolean check_keys(GKeyFile *kf, const char *path, const char *group,
                           const PaleoNumberKey *numbers, GError **error)
{
  gsize n = 0;
  g_auto(GStrv) keys = g_key_file_get_keys(kf, group, &n, NULL);
  for (gsize i = 0; i < n; i++) {
    if (key_is_known(keys[i], numbers))
      continue;
    g_autofree char *exp = expected_keys(numbers);
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%s: [%s]: unknown key '%s' (expected one of: %s)", path, group, keys[i], exp);
    return FALSE;
  }
  return TRUE;
}

static gboolean read_numbers(GKeyFile *kf, const char *path, const char *group,
                             const PaleoNumberKey *numbers, void *record, GError **error)
{
  for (const PaleoNumberKey *k = numbers; k->key; k++) {
    double *field = (double *)((char *)record + k->offset);
    *field = 0.0;
    if (!g_key_file_has_key(kf, group, k->key, NULL)) {
      if (!k->required)
        continue;
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "%s: [%s]: missing required key '%s'", path, group, k->key);
      return FALSE;
    }
    g_autoptr(GError) local = NULL;
    double v = g_key_file_get_double(kf, group, k->key, &local);
    if (local) {
      g_autofree char *raw = g_key_file_get_value(kf, group, k->key, NULL);
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "%s: [%s]: key '%s' = '%s' is not a number", path, group, k->key,
                  raw ? raw : "");
      return FALSE;
    }
    if (!in_range(k, v)) {
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "%s: [%s]: key '%s' = %g is out of range (expected %g to %g %s)", path,
                  group, k->key, v, k->min, k->max, k->unit);
      return FALSE;
    }
    *field = v;
  }
  return TRUE;
}

static char *read_string(GKeyFile *kf, const char *group, const char *key)
{
  char *s = g_key_file_get_string(kf, group, key, NULL);
  return s ? s : g_strdup("");
}

static gint find_index(GPtrArray *array, const char *name)
{
  /* Both record types start with `char *name`. */
  for (guint i = 0; i < array->len; i++)
    if (!g_ascii_strcasecmp(*(char **)g_ptr_array_index(array, i), name))
      return (gint)i;
  return -1;
}

/* Adds, or replaces in place (keeping the catalog's order), an entry of the same name. */
static void put_entry(GPtrArray *array, gpointer record, GDestroyNotify destroy)
{
  gint i = find_index(array, *(char **)record);
  if (i < 0) {
    g_ptr_array_add(array, record);
    return;
  }
  destroy(array->pdata[i]);
  array->pdata[i] = record;
}

/* The `arch` key: a generation of the registry, or absent. */
static gboolean read_arch(GKeyFile *kf, const char *path, const char *group, const PaleoArch **out, GError **error)
{
  g_autofree char *name = read_string(kf, group, "arch");
  *out = *g_strstrip(name) ? paleo_arch_find(name) : NULL;
  if (*name && !*out) {
    g_autofree char *known = paleo_arch_names_text();
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "%s: [%s]: key 'arch' = '%s' is unknown (expected %s)",
                path, group, name, known);
    return FALSE;
  }
  return TRUE;
}

static gboolean load_device(GKeyFile *kf, const char *path, const char *group, const char *name,
                            PaleoCatalog *catalog, GError **error)
{
  if (!check_keys(kf, path, group, device_keys, error))
    return FALSE;
  PaleoDevice *d = g_new0(PaleoDevice, 1);
  if (!read_numbers(kf, path, group, device_keys, d, error) || !read_arch(kf, path, group, &d->arch, error)) {
    g_free(d);
    return FALSE;
  }
  if (d->boost_mhz == 0)
    d->boost_mhz = d->clock_mhz;
  if (d->boost_gflops == 0)
    d->boost_gflops = d->peak_gflops;
  if (d->dies == 0)
    d->dies = 1;
  d->name = g_strdup(name);
  d->description = read_string(kf, group, "description");
  d->source = read_string(kf, group, "source");
  d->arch_source = read_string(kf, group, "arch_source");
  d->aliases = read_string(kf, group, "aliases");
  put_entry(catalog->devices, d, device_free);
  return TRUE;
}

static gboolean load_link(GKeyFile *kf, const char *path, const char *group, const char *name,
                          PaleoCatalog *catalog, GError **error)
{
  if (!check_keys(kf, path, group, link_keys, error))
    return FALSE;
  PaleoLink *l = g_new0(PaleoLink, 1);
  if (!read_numbers(kf, path, group, link_keys, l, error)) {
    g_free(l);
    return FALSE;
  }
  l->name = g_strdup(name);
  l->description = read_string(kf, group, "description");
  l->source = read_string(kf, group, "source");
  put_entry(catalog->links, l, link_free);
  return TRUE;
}

static gboolean profile_key_error(GError **error, const char *path, const char *group,
                                  const char *key, const char *what)
{
  GString *known = g_string_new(NULL);
  for (const PaleoProfileKey *k = paleo_profile_keys; k->key; k++)
    g_string_append_printf(known, "%s%s", known->len ? ", " : "", k->key);
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "%s: [%s]: %s '%s' (expected one of: %s)",
              path, group, what, key, known->str);
  g_string_free(known, TRUE);
  return FALSE;
}

static gboolean read_profile_value(GKeyFile *kf, const char *path, const char *group,
                                   const PaleoProfileKey *k, double *out, GError **error)
{
  g_autofree char *raw = g_key_file_get_value(kf, group, k->key, NULL);
  char *end = NULL;
  double v = raw ? g_ascii_strtod(g_strstrip(raw), &end) : NAN;
  if (!raw || end == raw || *end || !isfinite(v)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%s: [%s]: key '%s' = '%s' is not a number", path, group, k->key, raw ? raw : "");
    return FALSE;
  }
  if ((k->lo_open ? v <= k->lo : v < k->lo) || v > k->hi) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%s: [%s]: key '%s' = %g is out of range (expected %s%g, %g])", path, group, k->key, v,
                k->lo_open ? "(" : "[", k->lo, k->hi);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

/* `[refined]` or `[refined NAME]`: every key must be a profile key with a valid value. */
static gboolean load_profile(GKeyFile *kf, const char *path, const char *group, const char *name,
                             PaleoCatalog *catalog, GError **error)
{
  ProfileEntry *e = g_new0(ProfileEntry, 1);
  gsize n = 0;
  g_auto(GStrv) keys = g_key_file_get_keys(kf, group, &n, NULL);
  for (gsize i = 0; i < n; i++) {
    guint index = 0;
    const PaleoProfileKey *k = paleo_profile_keys;
    for (; k->key && strcmp(k->key, keys[i]); k++)
      index++;
    if (!k->key || !read_profile_value(kf, path, group, k, paleo_profile_field(&e->values, k), error)) {
      if (!k->key)
        profile_key_error(error, path, group, keys[i], "unknown key");
      g_free(e);
      return FALSE;
    }
    e->set_mask |= 1u << index;
  }
  e->name = g_strdup(name);
  g_ptr_array_add(catalog->profiles, e);
  return TRUE;
}

static gboolean has_profile_group(const PaleoCatalog *catalog, const char *name)
{
  for (guint i = 0; i < catalog->profiles->len; i++)
    if (!g_ascii_strcasecmp(((const ProfileEntry *)g_ptr_array_index(catalog->profiles, i))->name, name))
      return TRUE;
  return FALSE;
}

const char *paleo_catalog_arch_profile(const PaleoCatalog *catalog, const PaleoArch *arch)
{
  for (guint hops = 0; arch && hops < paleo_arch_count(); hops++) {
    if (has_profile_group(catalog, arch->name))
      return arch->name;
    arch = arch->inherits ? paleo_arch_find(arch->inherits) : NULL;
  }
  return NULL;
}

const char *paleo_catalog_arch_blas_profile(const PaleoCatalog *catalog, const PaleoArch *arch)
{
  return paleo_catalog_arch_profile(catalog, arch && arch->blas_from ? paleo_arch_find(arch->blas_from) : arch);
}

/* The keys of every group called `name` (NULL: none), in the order read; TRUE if any. */
static gboolean apply_profile_groups(const PaleoCatalog *catalog, const char *name, PaleoProfile *profile)
{
  gboolean any = FALSE;
  for (guint i = 0; name && i < catalog->profiles->len; i++) {
    const ProfileEntry *e = g_ptr_array_index(catalog->profiles, i);
    if (g_ascii_strcasecmp(e->name, name))
      continue;
    guint index = 0;
    for (const PaleoProfileKey *k = paleo_profile_keys; k->key; k++, index++)
      if (e->set_mask & (1u << index))
        *paleo_profile_field(profile, k) = paleo_profile_get(&e->values, k);
    any = TRUE;
  }
  return any;
}

/* The `[refined]` keys, then the generation group's, then the device's own. */
static gboolean resolve_one(const PaleoCatalog *catalog, const char *arch_group, const char *device,
                            PaleoProfile *profile)
{
  paleo_profile_init(profile);
  gboolean any = apply_profile_groups(catalog, "", profile);
  any |= apply_profile_groups(catalog, arch_group, profile);
  return apply_profile_groups(catalog, device, profile) || any;
}

/* Each device's profiles: its kernels' (the generation group from paleo_catalog_arch_profile)
 * and its cuBLAS GEMMs' (paleo_catalog_arch_blas_profile). */
static void resolve_profiles(PaleoCatalog *catalog)
{
  for (guint d = 0; d < catalog->devices->len; d++) {
    PaleoDevice *dev = g_ptr_array_index(catalog->devices, d);
    dev->has_profile = resolve_one(catalog, paleo_catalog_arch_profile(catalog, dev->arch), dev->name, &dev->profile);
    resolve_one(catalog, paleo_catalog_arch_blas_profile(catalog, dev->arch), dev->name, &dev->blas_profile);
  }
}

/* "device TITAN_X" -> kind "device", name "TITAN_X". */
static gboolean load_group(GKeyFile *kf, const char *path, const char *group,
                           PaleoCatalog *catalog, GError **error)
{
  g_auto(GStrv) parts = g_strsplit_set(group, " \t", 2);
  const char *kind = parts[0];
  const char *name = parts[0] && parts[1] ? g_strstrip(parts[1]) : "";
  if (!strcmp(kind, "refined") && !strpbrk(name, " \t,"))
    return load_profile(kf, path, group, name, catalog, error);
  if (!*name || strpbrk(name, " \t,")) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_PARSE,
                "%s: group [%s]: expected [device NAME], [link NAME], [refined] or "
                "[refined NAME] with a name without spaces or commas", path, group);
    return FALSE;
  }
  if (!strcmp(kind, "device"))
    return load_device(kf, path, group, name, catalog, error);
  if (!strcmp(kind, "link"))
    return load_link(kf, path, group, name, catalog, error);
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_PARSE,
              "%s: group [%s]: unknown kind '%s' (expected 'device', 'link' or 'refined')", path, group,
              kind);
  return FALSE;
}

static gboolean add_groups(PaleoCatalog *catalog, GKeyFile *kf, const char *path, GError **error)
{
  gsize n = 0;
  g_auto(GStrv) groups = g_key_file_get_groups(kf, &n);
  gboolean ok = TRUE;
  for (gsize i = 0; ok && i < n; i++)
    ok = load_group(kf, path, groups[i], catalog, error);
  resolve_profiles(catalog);
  return ok;
}

gboolean paleo_catalog_add_file(PaleoCatalog *catalog, const char *path, GError **error)
{
  g_return_val_if_fail(catalog && path, FALSE);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!paleo_config_read_file(path, &text, &len, &local) ||
      !g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_PARSE,
                "%s: cannot read hardware catalog: %s", path, local->message);
    return FALSE;
  }
  return add_groups(catalog, kf, path, error);
}

void paleo_catalog_drop_profiles(PaleoCatalog *catalog)
{
  g_ptr_array_set_size(catalog->profiles, 0);
  resolve_profiles(catalog);
}

gboolean paleo_catalog_add_data(PaleoCatalog *catalog, const char *text, const char *origin, GError **error)
{
  g_return_val_if_fail(catalog && text && origin, FALSE);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_PARSE, "%s: cannot read: %s", origin, local->message);
    return FALSE;
  }
  return add_groups(catalog, kf, origin, error);
}

PaleoCatalog *paleo_catalog_new(void)
{
  return catalog_new();
}

PaleoCatalog *paleo_catalog_load_default(GError **error)
{
  g_autofree char *path = g_build_filename(paleo_config_dir(), "hardware.ini", NULL);
  g_autofree char *fitted = g_build_filename(paleo_config_dir(), "refined.ini", NULL);
  PaleoCatalog *c = catalog_new();
  if (!paleo_catalog_add_file(c, path, error) || !paleo_catalog_add_file(c, fitted, error)) {
    paleo_catalog_free(c);
    return NULL;
  }
  return c;
}

static char *names_of(GPtrArray *array)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < array->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", *(char **)g_ptr_array_index(array, i));
  return g_string_free(s, FALSE);
}

static gconstpointer lookup(GPtrArray *array, const char *kind, const char *name,
                            GError **error)
{
  gint i = name ? find_index(array, name) : -1;
  if (i >= 0)
    return g_ptr_array_index(array, i);
  g_autofree char *known = names_of(array);
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_UNKNOWN,
              "unknown %s '%s' (known: %s)", kind, name ? name : "(null)", known);
  return NULL;
}

static gboolean has_alias(const PaleoDevice *d, const char *name)
{
  g_auto(GStrv) aliases = g_strsplit(d->aliases ? d->aliases : "", ",", -1);
  for (char **a = aliases; *a; a++)
    if (!g_ascii_strcasecmp(g_strstrip(*a), name))
      return TRUE;
  return FALSE;
}

const PaleoDevice *paleo_catalog_device(const PaleoCatalog *catalog, const char *name,
                                        GError **error)
{
  g_return_val_if_fail(catalog, NULL);
  for (guint i = 0; name && find_index(catalog->devices, name) < 0 && i < catalog->devices->len; i++)
    if (has_alias(g_ptr_array_index(catalog->devices, i), name))
      return g_ptr_array_index(catalog->devices, i);
  return lookup(catalog->devices, "device", name, error);
}

const PaleoLink *paleo_catalog_link(const PaleoCatalog *catalog, const char *name,
                                    GError **error)
{
  g_return_val_if_fail(catalog, NULL);
  return lookup(catalog->links, "link", name, error);
}

guint paleo_catalog_n_devices(const PaleoCatalog *catalog)
{
  return catalog->devices->len;
}

const PaleoDevice *paleo_catalog_device_at(const PaleoCatalog *catalog, guint i)
{
  g_return_val_if_fail(i < catalog->devices->len, NULL);
  return g_ptr_array_index(catalog->devices, i);
}

guint paleo_catalog_n_links(const PaleoCatalog *catalog)
{
  return catalog->links->len;
}

const PaleoLink *paleo_catalog_link_at(const PaleoCatalog *catalog, guint i)
{
  g_return_val_if_fail(i < catalog->links->len, NULL);
  return g_ptr_array_index(catalog->links, i);
}

/* ---- copies and numbers by key ---- */

static PaleoDevice *device_copy(const PaleoDevice *d)
{
  PaleoDevice *c = g_memdup2(d, sizeof(*d));
  c->name = g_strdup(d->name);
  c->description = g_strdup(d->description);
  c->source = g_strdup(d->source);
  c->arch_source = g_strdup(d->arch_source);
  c->aliases = g_strdup(d->aliases);
  return c;
}

static ProfileEntry *profile_entry_copy(const ProfileEntry *e)
{
  ProfileEntry *c = g_memdup2(e, sizeof(*e));
  c->name = g_strdup(e->name);
  return c;
}

static PaleoLink *link_copy(const PaleoLink *l)
{
  PaleoLink *c = g_memdup2(l, sizeof(*l));
  c->name = g_strdup(l->name);
  c->description = g_strdup(l->description);
  c->source = g_strdup(l->source);
  return c;
}

PaleoCatalog *paleo_catalog_copy(const PaleoCatalog *catalog)
{
  PaleoCatalog *c = catalog_new();
  for (guint i = 0; i < catalog->devices->len; i++)
    g_ptr_array_add(c->devices, device_copy(catalog->devices->pdata[i]));
  for (guint i = 0; i < catalog->links->len; i++)
    g_ptr_array_add(c->links, link_copy(catalog->links->pdata[i]));
  for (guint i = 0; i < catalog->profiles->len; i++)
    g_ptr_array_add(c->profiles, profile_entry_copy(catalog->profiles->pdata[i]));
  return c;
}

/* The record and key of "device"/"link" NAME's numeric `key`; NULL with an error. */
static double *number_field(const PaleoCatalog *c, const char *kind, const char *name, const char *key,
                            const PaleoNumberKey **spec, GError **error)
{
  gboolean device = !strcmp(kind, "device");
  g_return_val_if_fail(device || !strcmp(kind, "link"), NULL);
  const PaleoNumberKey *table = device ? device_keys : link_keys;
  gpointer record = (gpointer)lookup(device ? c->devices : c->links, kind, name, error);
  if (!record)
    return NULL;
  for (const PaleoNumberKey *k = table; k->key; k++)
    if (!strcmp(k->key, key)) {
      *spec = k;
      return (double *)((char *)record + k->offset);
    }
  GString *known = g_string_new(NULL);
  for (const PaleoNumberKey *k = table; k->key; k++)
    g_string_append_printf(known, "%s%s", known->len ? ", " : "", k->key);
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_UNKNOWN, "%s %s has no number '%s' (known: %s)", kind,
              name, key, known->str);
  g_string_free(known, TRUE);
  return NULL;
}

gboolean paleo_catalog_number(const PaleoCatalog *catalog, const char *kind, const char *name, const char *key,
                              double *out, GError **error)
{
  const PaleoNumberKey *spec;
  double *f = number_field(catalog, kind, name, key, &spec, error);
  if (f)
    *out = *f;
  return f != NULL;
}

/* Setting peak_gflops moves every compute peak of the device with it (the FP32 peak at the
 * boost clock the refined model reads, the matrix-unit peaks), so that it is one figure for
 * the device's compute speed under either cost model. */
static void scale_compute_peaks(PaleoDevice *d, double factor)
{
  double *peaks[] = {&d->boost_gflops, &d->peak_gflops_fp16, &d->peak_gflops_tf32, &d->peak_gflops_bf16,
                     &d->peak_gflops_fp8};
  for (guint i = 0; i < G_N_ELEMENTS(peaks); i++)
    *peaks[i] *= factor;
}

gboolean paleo_catalog_set_number(PaleoCatalog *catalog, const char *kind, const char *name, const char *key,
                                  double value, GError **error)
{
  const PaleoNumberKey *spec;
  double *f = number_field(catalog, kind, name, key, &spec, error);
  if (!f)
    return FALSE;
  if (!in_range(spec, value)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%s %s: %s = %g is out of range (expected %g to %g %s)", kind, name, key, value, spec->min,
                spec->max, spec->unit);
    return FALSE;
  }
  if (!strcmp(kind, "device") && !strcmp(key, "peak_gflops"))
    scale_compute_peaks((PaleoDevice *)((char *)f - G_STRUCT_OFFSET(PaleoDevice, peak_gflops)), value / *f);
  *f = value;
  return TRUE;
}
