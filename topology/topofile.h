/* Topology files: an explicit list of nodes and links, one statement per line.
 *
 *   # comment (also after a statement)
 *   node <name> <worker|host|switch|ps> [host=<name of a node declared earlier>]
 *   link <from> <to> <bandwidth> <latency> [duplex|simplex]
 *
 * Bandwidth: a number in bytes/s, or with a unit: B/s, KB/s, MB/s, GB/s, TB/s (powers
 * of 1000 bytes) or bps, Kbps, Mbps, Gbps, Tbps (bits/s), e.g. 100Gbps or 12.5GB/s,
 * from 1 B/s to 1 PB/s.
 * Latency: a number in ns, or with a unit ns, us, ms, s, from 0 to 1 s. Links are duplex (two directed
 * links) unless marked simplex. Workers get ranks in file order. */
#ifndef PALEO_TOPOFILE_H
#define PALEO_TOPOFILE_H

#include <glib.h>

#include "topology/topology.h"

/* Adds the file's nodes and links to `topo` (not finalized). Errors name file:line. */
gboolean paleo_topology_file_load(PaleoTopology *topo, const char *path, GError **error);
/* The same from text in memory; `source` names it in errors. */
gboolean paleo_topology_file_parse(PaleoTopology *topo, const char *text, const char *source,
                                   GError **error);
/* Value parsers shared with other readers: "100Gbps" -> 1.25e10 bytes/s, "2us" -> 2000 ns. */
gboolean paleo_topology_parse_bandwidth(const char *text, double *bytes_per_s);
gboolean paleo_topology_parse_latency(const char *text, guint64 *ns);

#endif
