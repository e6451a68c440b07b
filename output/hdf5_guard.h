/* Internal to output/: what the HDF5 trace reader checks before libhdf5 may touch a file's
 * contents, because libhdf5 1.10 trusts them. Global heaps (variable-length strings) carry
 * no checksum: every collection must be tiled exactly by its objects, and heap ids read
 * from unchecksummed storage must name objects that exist. A dataset must be
 * one-dimensional, hold our columns with convertible types inside its rows, and claim no
 * more rows than its stored bytes can hold. Corruption is PALEO_OUTPUT_ERROR_FORMAT. */
#ifndef PALEO_HDF5_GUARD_H
#define PALEO_HDF5_GUARD_H

#include <glib.h>
#include <hdf5.h>
#include <stdint.h>

/* The global heap collections of the file at `path`, checked and indexed (the file stays
 * mapped until freed). NULL with a FORMAT error naming the corrupt collection. */
typedef struct PaleoHdf5Heaps PaleoHdf5Heaps;
PaleoHdf5Heaps *paleo_hdf5_heaps_new(const char *path, GError **error);
void paleo_hdf5_heaps_free(PaleoHdf5Heaps *heaps);
/* TRUE when the `count` heap ids stored contiguously from file byte `at` (16 bytes each:
 * length, collection address, object index) name objects long enough for their strings. */
gboolean paleo_hdf5_heap_ids_ok(const PaleoHdf5Heaps *heaps, uint64_t at, hsize_t count);

/* Checks dataset `dset` of `file` (named `name` in messages about trace `path`) against the
 * memory type it will be read as; OUT: *rows_out, its row count. */
gboolean paleo_hdf5_dataset_check(hid_t file, hid_t dset, hid_t mem_type, const char *path,
                                  const char *name, hsize_t *rows_out, GError **error);

#endif
