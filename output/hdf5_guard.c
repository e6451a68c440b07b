/* Checks that keep corrupt HDF5 files away from libhdf5's trusting code (see hdf5_guard.h). */
#include "output/hdf5_guard.h"

#include <string.h>

#include "output/trace_io.h"

/* HDF5 keeps variable-length strings (names, attributes) in global heap collections, the
 * one structure of its file format without a checksum, and libhdf5 1.10 trusts what it
 * finds there: an object size that overruns its collection, or a string whose heap id
 * names a missing object, makes H5HG_read copy out of bounds or follow a NULL pointer.
 * So before HDF5 opens the file, every collection in it ("GCOL", version 1, three reserved
 * bytes, 8-byte size; objects of a 16-byte header and data padded to 8 bytes, index 0 =
 * free space) must be tiled exactly by its objects, and its objects are indexed, so that
 * heap ids read outside checksummed storage can be checked before HDF5 follows them. */
#define GCOL_HEADER 16
#define GCOL_OBJECT_HEADER 16
#define HEAP_ID_BYTES 16 /* u32 length, u64 collection address, u32 object index */

struct PaleoHdf5Heaps {
  GMappedFile *map;
  GHashTable *objects; /* (collection address << 16 | index) -> object size + 1 */
};

static uint64_t le64(const guint8 *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static uint32_t le32(const guint8 *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void heap_index_add(PaleoHdf5Heaps *h, uint64_t collection, unsigned idx, uint64_t size)
{
  gint64 *key = g_new(gint64, 1);
  *key = (gint64)(collection << 16 | idx);
  g_hash_table_insert(h->objects, key, g_memdup2(&(uint64_t){size + 1}, sizeof(uint64_t)));
}

/* FALSE when the collection at byte `at` (its header already recognized) is not tiled by
 * its objects; else its objects go into the index. */
static gboolean gcol_index(PaleoHdf5Heaps *h, const guint8 *data, gsize at, gsize room)
{
  uint64_t size = le64(data + at + 8);
  if (size < GCOL_HEADER || size > room)
    return FALSE;
  const guint8 *p = data + at + GCOL_HEADER, *end = data + at + size;
  while (p < end) {
    if ((gsize)(end - p) < GCOL_OBJECT_HEADER)
      return TRUE; /* a tail too small for an object: free space, as HDF5 reads it */
    unsigned idx = p[0] | p[1] << 8;
    uint64_t obj = le64(p + 8);
    uint64_t need = idx ? GCOL_OBJECT_HEADER + ((obj + 7) & ~(uint64_t)7) : obj;
    if (obj > (uint64_t)(end - p) || need < GCOL_OBJECT_HEADER || need > (uint64_t)(end - p))
      return FALSE;
    if (idx)
      heap_index_add(h, at, idx, obj);
    p += need;
  }
  return TRUE;
}

void paleo_hdf5_heaps_free(PaleoHdf5Heaps *h)
{
  if (!h)
    return;
  if (h->objects)
    g_hash_table_destroy(h->objects);
  if (h->map)
    g_mapped_file_unref(h->map);
  g_free(h);
}

PaleoHdf5Heaps *paleo_hdf5_heaps_new(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  PaleoHdf5Heaps *h = g_new0(PaleoHdf5Heaps, 1);
  h->objects = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  h->map = g_mapped_file_new(path, FALSE, &local);
  if (!h->map) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT, "trace '%s': %s", path,
                local->message);
    paleo_hdf5_heaps_free(h);
    return NULL;
  }
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents(h->map);
  gsize len = g_mapped_file_get_length(h->map);
  static const guint8 magic[5] = {'G', 'C', 'O', 'L', 1}; /* all HDF5 looks at: not the reserved bytes */
  for (gsize at = 0; data && len >= GCOL_HEADER && at <= len - GCOL_HEADER; at++) {
    const guint8 *hit = memchr(data + at, 'G', len - GCOL_HEADER + 1 - at);
    if (!hit)
      break;
    at = (gsize)(hit - data);
    if (memcmp(hit, magic, sizeof magic) == 0 && !gcol_index(h, data, at, len - at)) {
      g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                  "trace '%s': the HDF5 global heap at byte %" G_GSIZE_FORMAT " is corrupt "
                  "(its objects overrun it)", path, at);
      paleo_hdf5_heaps_free(h);
      return NULL;
    }
  }
  return h;
}

/* TRUE when the `count` heap ids stored from byte `at` name objects of the index that hold
 * their strings. */
gboolean paleo_hdf5_heap_ids_ok(const PaleoHdf5Heaps *h, uint64_t at, hsize_t count)
{
  gsize len = g_mapped_file_get_length(h->map);
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents(h->map);
  if (at > len || count > (len - at) / HEAP_ID_BYTES)
    return FALSE;
  for (hsize_t i = 0; i < count; i++) {
    const guint8 *id = data + at + i * HEAP_ID_BYTES;
    gint64 key = (gint64)(le64(id + 4) << 16 | (le32(id + 12) & 0xffffu));
    const uint64_t *size = le32(id + 12) > 0xffffu ? NULL : g_hash_table_lookup(h->objects, &key);
    if (!size || le32(id) > *size - 1)
      return FALSE;
  }
  return TRUE;
}

/* No stored row is smaller than this many bytes of file per row, even compressed: deflate
 * compresses at most 1032:1. A dataset claiming more rows than its stored bytes can hold is
 * corrupt (its extent would make us allocate petabytes). Slack: one small chunk. */
#define MAX_COMPRESSION 1100
#define STORAGE_SLACK_BYTES 65536

/* TRUE when a stored member type can be converted to the memory member's: same class,
 * sane size, vlen for strings. */
static gboolean member_type_ok(hid_t file_member, hid_t mem_member)
{
  H5T_class_t fc = H5Tget_class(file_member), mc = H5Tget_class(mem_member);
  size_t size = H5Tget_size(file_member);
  if (fc != mc || size == 0)
    return FALSE;
  switch (fc) {
  case H5T_INTEGER: return size <= 8;
  case H5T_FLOAT: return size == 4 || size == 8;
  case H5T_ENUM: return size <= 8 && H5Tget_nmembers(file_member) <= 64;
  case H5T_STRING: return H5Tis_variable_str(file_member) > 0;
  default: return FALSE;
  }
}

/* Every member of the stored compound lies inside its row, and every member the memory
 * type reads is there with a convertible type. HDF5 trusts the type it parsed from the
 * file: a corrupt offset or size makes its converter read out of bounds. */
static gboolean compound_ok(hid_t ftype, hid_t mtype)
{
  int nf = H5Tget_nmembers(ftype), nm = H5Tget_nmembers(mtype);
  size_t row = H5Tget_size(ftype);
  if (nf <= 0 || nf > 64 || row == 0 || row > 4096)
    return FALSE;
  for (int i = 0; i < nf; i++) {
    hid_t member = H5Tget_member_type(ftype, (unsigned)i);
    size_t end = H5Tget_member_offset(ftype, (unsigned)i) + (member >= 0 ? H5Tget_size(member) : 0);
    if (member >= 0)
      H5Tclose(member);
    if (member < 0 || end > row)
      return FALSE;
  }
  gboolean ok = TRUE;
  for (int i = 0; ok && i < nm; i++) {
    char *name = H5Tget_member_name(mtype, (unsigned)i);
    int fi = name ? H5Tget_member_index(ftype, name) : -1;
    H5free_memory(name);
    hid_t fm = fi >= 0 ? H5Tget_member_type(ftype, (unsigned)fi) : -1;
    hid_t mm = H5Tget_member_type(mtype, (unsigned)i);
    ok = fm >= 0 && member_type_ok(fm, mm);
    if (fm >= 0)
      H5Tclose(fm);
    H5Tclose(mm);
  }
  return ok;
}

/* Checks a dataset before anything is read from it (OUT: *rows_out): one dimension, a
 * stored type the memory type `mtype` can be read from, and a row count the stored bytes
 * (and the file) can hold. */
gboolean paleo_hdf5_dataset_check(hid_t file, hid_t dset, hid_t mtype, const char *path,
                                  const char *name, hsize_t *rows_out, GError **error)
{
  hid_t space = H5Dget_space(dset), ftype = H5Dget_type(dset);
  hsize_t n = 0;
  int ndims = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (ndims == 1)
    H5Sget_simple_extent_dims(space, &n, NULL);
  gboolean type_ok = ftype >= 0 && (H5Tget_class(mtype) == H5T_COMPOUND
                                      ? H5Tget_class(ftype) == H5T_COMPOUND && compound_ok(ftype, mtype)
                                      : member_type_ok(ftype, mtype));
  size_t row = ftype >= 0 ? H5Tget_size(ftype) : 0;
  hsize_t file_size = 0;
  H5Fget_filesize(file, &file_size);
  hsize_t stored = MIN(H5Dget_storage_size(dset), file_size);
  if (space >= 0)
    H5Sclose(space);
  if (ftype >= 0)
    H5Tclose(ftype);
  H5Eclear2(H5E_DEFAULT);
  g_autofree char *what = NULL;
  if (ndims != 1)
    what = g_strdup_printf("dataset /%s is not one-dimensional", name);
  else if (!type_ok)
    what = g_strdup_printf("dataset /%s does not hold the columns of a paleosim trace", name);
  else if (n > ((stored + STORAGE_SLACK_BYTES) * MAX_COMPRESSION) / MAX(row, 1))
    what = g_strdup_printf("dataset /%s claims %" G_GUINT64_FORMAT " rows but stores only %"
                           G_GUINT64_FORMAT " bytes (a corrupt file)", name, (guint64)n, (guint64)stored);
  if (what) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT, "trace '%s': %s", path, what);
    return FALSE;
  }
  *rows_out = n;
  return TRUE;
}
