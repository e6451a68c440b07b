/* The tools the trace fuzz targets feed a trace to: analyze (every report format),
 * export --chrome, timeline (scan and a small drawing) and convert (to `converted_name`,
 * whose extension picks the format: the other format exercises both readers and writers),
 * all writing into the fuzz temporary directory. */
#ifndef PALEO_FUZZ_TRACE_TOOLS_H
#define PALEO_FUZZ_TRACE_TOOLS_H

void fuzz_trace_tools(const char *trace_path, const char *converted_name);

#endif
