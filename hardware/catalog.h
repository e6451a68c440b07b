/* Device and link catalogs: data files under configs/ (and user files via --hardware),
 * keys matched case-insensitively. */
#ifndef PALEO_CATALOG_H
#define PALEO_CATALOG_H

#include <glib.h>

#include "hardware/arch.h"
#include "hardware/profile.h"

#define PALEO_CONFIG_ERROR (paleo_config_error_quark())
GQuark paleo_config_error_quark(void);
typedef enum {
  PALEO_CONFIG_ERROR_PARSE,    /* unreadable or malformed file */
  PALEO_CONFIG_ERROR_INVALID,  /* a value out of range or of the wrong type */
  PALEO_CONFIG_ERROR_UNKNOWN,  /* unknown name (device, link, net, key) */
} PaleoConfigError;

typedef struct {
  char *name;              /* catalog key as written, e.g. "TITAN_X" */
  char *description;
  char *source;            /* datasheet / origin of the figures */
  char *arch_source;       /* datasheet of the architecture figures below; "" when none */
  char *aliases;           /* other names it answers to, comma-separated (DeepBench's keys) */
  double clock_mhz;
  double peak_gflops;      /* FP32 */
  double peak_gflops_fp16; /* 0 when unknown */
  double mem_gbps;         /* memory bandwidth, GB/s (PALEO divides bytes by 2^30) */
  double mem_gib;          /* memory size, 0 when unknown */
  /* Architecture figures of the refined model (never read by `paleo`); per board. */
  double boost_mhz;        /* boost clock; 0 in the file: clock_mhz */
  double boost_gflops;     /* FP32 (SIMT) peak at the boost clock; 0 in the file: peak_gflops */
  double peak_gflops_tf32; /* dense matrix-unit peaks per precision; 0 = no such path */
  double peak_gflops_bf16;
  double peak_gflops_fp8;
  double sm_count;         /* streaming multiprocessors (AMD: compute units); 0 = unknown */
  double l2_mib;           /* last-level on-chip cache, MiB; 0 = unknown */
  double dies;             /* GPUs on the board (K80, MI250X: 2); 0 in the file: 1 */
  double base_mhz;         /* base clock (the clock guaranteed at TDP), MHz; 0 = unknown */
  double tdp_w;            /* board power (TDP), W; 0 = unknown */
  const PaleoArch *arch;   /* architecture generation (static registry entry); NULL = unknown */
  PaleoProfile profile;    /* the refined model's constants for this device: the `[refined]`
                              group, then its generation's (or the nearest calibrated one's)
                              `[refined ARCH]` group, then its own `[refined NAME]` group */
  PaleoProfile blas_profile; /* the constants of its cuBLAS GEMMs: `profile`, except that the
                              generation group comes from its arch's blas_from when it has one;
                              all zero (a device built by hand): `profile` */
  gboolean has_profile;    /* FALSE when no profile was loaded at all */
  double usd_per_hour;     /* price of one device-hour (US dollars), 0 when unknown */
} PaleoDevice;

typedef struct {
  char *name;              /* "ethernet", "nvlink3", ... */
  char *description;
  char *source;
  double gbps;             /* Gbit/s per direction (PALEO divides by 1e9/8) */
  double latency_us;       /* typical one-way latency, microseconds */
} PaleoLink;

typedef struct PaleoCatalog PaleoCatalog;

/* An empty catalog (fill it with paleo_catalog_add_file). */
PaleoCatalog *paleo_catalog_new(void);
/* The shipped catalog (configs/hardware.ini, then the fitted constants configs/refined.ini). */
PaleoCatalog *paleo_catalog_load_default(GError **error);
/* Adds or replaces entries from a user file of the same format: groups `[device NAME]`
 * (clock_mhz, peak_gflops, mem_gbps required and > 0; peak_gflops_fp16, mem_gib, usd_per_hour >= 0) and
 * `[link NAME]` (gbps > 0; latency_us >= 0); description and source strings; and refined
 * model profiles `[refined]` (every device), `[refined ARCH]` (a generation's devices, and
 * those of generations that inherit from it: hardware/arch.h) or `[refined NAME]` (one
 * device), whose keys (hardware/profile.h) override the profile in force. Names are matched
 * case-insensitively; a known name is replaced in place. Errors name the file, group and
 * key. */
gboolean paleo_catalog_add_file(PaleoCatalog *catalog, const char *path, GError **error);
/* Forgets every `[refined ...]` group read so far (devices fall back to the neutral profile). */
void paleo_catalog_drop_profiles(PaleoCatalog *catalog);
/* The same from text in memory; `origin` names it in messages. */
gboolean paleo_catalog_add_data(PaleoCatalog *catalog, const char *text, const char *origin, GError **error);
void paleo_catalog_free(PaleoCatalog *catalog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoCatalog, paleo_catalog_free)

/* The generation whose `[refined ARCH]` group devices of `arch` take: `arch` itself when the
 * catalog has that group, else the generation it inherits from, and so on; NULL when none
 * on the way has one (they take the `[refined]` group alone). */
const char *paleo_catalog_arch_profile(const PaleoCatalog *catalog, const PaleoArch *arch);
/* The same for its cuBLAS GEMMs (from the arch's blas_from generation when it has one). */
const char *paleo_catalog_arch_blas_profile(const PaleoCatalog *catalog, const PaleoArch *arch);

/* NULL when unknown; on NULL with `error`, sets PALEO_CONFIG_ERROR_UNKNOWN listing names.
 * A device also answers to each name of its `aliases` key. */
const PaleoDevice *paleo_catalog_device(const PaleoCatalog *catalog, const char *name, GError **error);
const PaleoLink *paleo_catalog_link(const PaleoCatalog *catalog, const char *name, GError **error);
/* A deep copy (to change figures for one run without touching the original). */
PaleoCatalog *paleo_catalog_copy(const PaleoCatalog *catalog);
/* A numeric figure by its catalog key: `kind` "device" or "link", `key` one of the keys a
 * catalog file takes for that kind ("peak_gflops", "gbps", ...). Unknown entries or keys
 * are PALEO_CONFIG_ERROR_UNKNOWN; a value outside the file's range is _INVALID. Setting a
 * device's peak_gflops scales its other compute peaks (boost_gflops, peak_gflops_fp16,
 * _tf32, _bf16, _fp8) by the same factor: one figure for the device's compute speed under
 * either cost model (set those by name afterwards to change one alone). */
gboolean paleo_catalog_number(const PaleoCatalog *catalog, const char *kind, const char *name,
                              const char *key, double *out, GError **error);
gboolean paleo_catalog_set_number(PaleoCatalog *catalog, const char *kind, const char *name,
                                  const char *key, double value, GError **error);

guint paleo_catalog_n_devices(const PaleoCatalog *catalog);
const PaleoDevice *paleo_catalog_device_at(const PaleoCatalog *catalog, guint i); /* file order */
guint paleo_catalog_n_links(const PaleoCatalog *catalog);
const PaleoLink *paleo_catalog_link_at(const PaleoCatalog *catalog, guint i);

#endif
