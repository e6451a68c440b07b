/* Bad network files: each class of bad input gives a PALEO_NET_ERROR with the right code
 * and a message naming the file, the layer and the problem — never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net_test_util.h"
#include "workloads/net.h"

#define DATA "'data': {'parents': [], 'type': 'Input', 'tensor': [2, 8, 8, 3]}"
#define CONV(name, parent, filter, pad) \
  "'" name "': {'parents': ['" parent "'], 'type': 'Convolution', 'filter': " filter \
  ", 'strides': [1, 1, 1, 1], 'padding': " pad "}"

typedef struct {
  const char *name;     /* test name and file stem */
  const char *json;     /* single quotes stand for double quotes */
  int code;             /* PaleoNetError */
  const char *layer;    /* must appear quoted in the message, NULL for file-level errors */
  const char *problem;  /* must appear in the message */
} BadCase;

static const BadCase kCases[] = {
  {"malformed_json", "{'layers': {\n  " DATA ",\n  'x': {'parents': ['data'] 'type': 'Dropout'}}}",
   PALEO_NET_ERROR_PARSE, NULL, ":3:"},
  {"missing_layers", "{'name': 'nothing here'}", PALEO_NET_ERROR_PARSE, NULL,
   "missing \"layers\""},
  {"root_not_object", "[1, 2]", PALEO_NET_ERROR_PARSE, NULL, "missing \"layers\""},
  {"unknown_parent", "{'layers': {" DATA ", " CONV("conv1", "dat", "[3, 3, 3, 4]", "'SAME'") "}}",
   PALEO_NET_ERROR_INVALID, "conv1", "unknown parent 'dat'"},
  {"cycle",
   "{'layers': {" DATA ", 'a': {'parents': ['data', 'b'], 'type': 'Elementwise'},"
   " 'b': {'parents': ['a'], 'type': 'Dropout', 'dropout_keep_prob': 0.5}}}",
   PALEO_NET_ERROR_INVALID, "a", "cycle: 'a' -> 'b' -> 'a'"},
  {"self_cycle", "{'layers': {" DATA ", 'a': {'parents': ['a'], 'type': 'BatchNorm'}}}",
   PALEO_NET_ERROR_INVALID, "a", "cycle"},
  {"missing_data",
   "{'layers': {'input': {'parents': [], 'type': 'Input', 'tensor': [1, 4, 4, 1]}}}",
   PALEO_NET_ERROR_INVALID, "data", "missing"},
  {"data_not_input", "{'layers': {'data': {'parents': [], 'type': 'Dropout', "
   "'dropout_keep_prob': 0.5}}}", PALEO_NET_ERROR_INVALID, "data", "Input"},
  {"conv_channel_mismatch", "{'layers': {" DATA ", " CONV("conv1", "data", "[3, 3, 5, 4]", "'SAME'") "}}",
   PALEO_NET_ERROR_INVALID, "conv1", "channel mismatch"},
  {"concat_mismatch",
   "{'layers': {" DATA ", " CONV("a", "data", "[3, 3, 3, 4]", "'SAME'") ", "
   CONV("b", "data", "[3, 3, 3, 4]", "'VALID'") ", "
   "'cat': {'parents': ['a', 'b'], 'type': 'Concatenate', 'dim': 3}}}",
   PALEO_NET_ERROR_INVALID, "cat", "concat mismatch: parent 'b' has shape 2x6x6x4"},
  {"concat_bad_dim", "{'layers': {" DATA ", 'cat': {'parents': ['data'], 'type': 'Concatenate', 'dim': 7}}}",
   PALEO_NET_ERROR_INVALID, "cat", "dim 7"},
  {"elementwise_mismatch",
   "{'layers': {" DATA ", " CONV("a", "data", "[3, 3, 3, 4]", "'VALID'") ", "
   "'sum': {'parents': ['data', 'a'], 'type': 'Elementwise'}}}",
   PALEO_NET_ERROR_INVALID, "sum", "shape mismatch"},
  {"unknown_normalizer",
   "{'layers': {" DATA ", 'c': {'parents': ['data'], 'type': 'Convolution', 'filter': [1, 1, 3, 4], "
   "'strides': [1, 1, 1, 1], 'padding': 'SAME', 'normalizer_fn': 'layer_norm'}}}",
   PALEO_NET_ERROR_INVALID, "c", "normalizer_fn 'layer_norm' is unknown"},
  {"activation_not_string",
   "{'layers': {" DATA ", 'c': {'parents': ['data'], 'type': 'Convolution', 'filter': [1, 1, 3, 4], "
   "'strides': [1, 1, 1, 1], 'padding': 'SAME', 'activation_fn': 5}}}",
   PALEO_NET_ERROR_PARSE, "c", "key 'activation_fn' must be a string or null"},
  {"zero_dimension", "{'layers': {'data': {'parents': [], 'type': 'Input', 'tensor': [2, 0, 8, 3]}}}",
   PALEO_NET_ERROR_INVALID, "data", "positive dimension"},
  {"negative_filter", "{'layers': {" DATA ", " CONV("conv1", "data", "[3, -3, 3, 4]", "'SAME'") "}}",
   PALEO_NET_ERROR_INVALID, "conv1", "non-positive"},
  {"negative_num_outputs",
   "{'layers': {" DATA ", 'fc': {'parents': ['data'], 'type': 'InnerProduct', 'num_outputs': -1}}}",
   PALEO_NET_ERROR_INVALID, "fc", "num_outputs -1"},
  {"kernel_larger_valid", "{'layers': {" DATA ", " CONV("conv1", "data", "[9, 9, 3, 4]", "'VALID'") "}}",
   PALEO_NET_ERROR_INVALID, "conv1", "larger than its 8x8 input under VALID"},
  {"pool_larger_valid",
   "{'layers': {" DATA ", 'p': {'parents': ['data'], 'type': 'Pooling', 'ksize': [1, 9, 1, 1],"
   " 'strides': [1, 1, 1, 1], 'padding': 'VALID'}}}",
   PALEO_NET_ERROR_INVALID, "p", "VALID"},
  {"explicit_pad_too_small",
   "{'layers': {" DATA ", " CONV("conv1", "data", "[11, 3, 3, 4]", "[1, 1]") "}}",
   PALEO_NET_ERROR_INVALID, "conv1", "does not fit"},
  {"bad_stride",
   "{'layers': {" DATA ", 'p': {'parents': ['data'], 'type': 'Pooling', 'ksize': [1, 2, 2, 1],"
   " 'strides': [1, 0, 2, 1], 'padding': 'SAME'}}}",
   PALEO_NET_ERROR_INVALID, "p", "bad stride"},
  {"filter_not_array", "{'layers': {" DATA ", " CONV("conv1", "data", "'3x3'", "'SAME'") "}}",
   PALEO_NET_ERROR_PARSE, "conv1", "'filter' must be an array of 4 integers, got \"3x3\""},
  {"filter_three_ints", "{'layers': {" DATA ", " CONV("conv1", "data", "[3, 3, 3]", "'SAME'") "}}",
   PALEO_NET_ERROR_PARSE, "conv1", "'filter' must be an array of 4 integers"},
  {"filter_float", "{'layers': {" DATA ", " CONV("conv1", "data", "[3, 3, 3, 4.5]", "'SAME'") "}}",
   PALEO_NET_ERROR_PARSE, "conv1", "'filter'"},
  {"bad_padding", "{'layers': {" DATA ", " CONV("conv1", "data", "[3, 3, 3, 4]", "'FULL'") "}}",
   PALEO_NET_ERROR_PARSE, "conv1", "'padding'"},
  {"missing_type", "{'layers': {" DATA ", 'x': {'parents': ['data']}}}", PALEO_NET_ERROR_PARSE, "x",
   "'type'"},
  {"parents_not_strings", "{'layers': {" DATA ", 'x': {'parents': [1], 'type': 'BatchNorm'}}}",
   PALEO_NET_ERROR_PARSE, "x", "'parents'"},
  {"layer_not_object", "{'layers': {" DATA ", 'x': 5}}", PALEO_NET_ERROR_PARSE, "x", "object"},
  {"keep_prob_string",
   "{'layers': {" DATA ", 'd': {'parents': ['data'], 'type': 'Dropout', 'dropout_keep_prob': 'half'}}}",
   PALEO_NET_ERROR_PARSE, "d", "dropout_keep_prob"},
  {"orphan_layer", "{'layers': {" DATA ", 'x': {'parents': [], 'type': 'BatchNorm'}}}",
   PALEO_NET_ERROR_INVALID, "x", "no parents"},
  {"duplicate_layer",
   "{'layers': {" DATA ", 'B/x': {'parents': ['data'], 'type': 'BatchNorm'},"
   " 'B': {'type': 'Block', 'parents': ['data'], 'layers': {'x': {'parents': [], 'type': 'LRN'}}}}}",
   PALEO_NET_ERROR_INVALID, "B/x", "duplicate"},
  {"block_without_endpoint",
   "{'layers': {" DATA ", 'B': {'type': 'Block', 'parents': ['data'], 'layers': {"
   "'x': {'parents': [], 'type': 'LRN'}}}, 'y': {'parents': ['B'], 'type': 'LRN'}}}",
   PALEO_NET_ERROR_INVALID, "y", "without an 'endpoint'"},
  {"bad_endpoint",
   "{'layers': {" DATA ", 'B': {'type': 'Block', 'parents': ['data'], 'endpoint': 'z', 'layers': {"
   "'x': {'parents': [], 'type': 'LRN'}}}}}",
   PALEO_NET_ERROR_INVALID, "B", "endpoint 'z'"},
  {"self_outside_model_parallel",
   "{'layers': {" DATA ", 'mp': {'type': 'ModelParallel', 'splits': 2, 'parents': ['data'],"
   " 'layers': {'x': {'parents': [], 'type': 'LRN'}}}, 'y': {'parents': ['mp/x@self'], 'type': 'LRN'}}}",
   PALEO_NET_ERROR_INVALID, "y", "outside a ModelParallel"},
  {"all_of_unsplit_layer", "{'layers': {" DATA ", 'y': {'parents': ['data@all'], 'type': 'LRN'}}}",
   PALEO_NET_ERROR_INVALID, "y", "not a layer of a ModelParallel block"},
  {"replica_without_suffix",
   "{'layers': {" DATA ", 'mp': {'type': 'ModelParallel', 'splits': 2, 'parents': ['data'],"
   " 'layers': {'x': {'parents': [], 'type': 'LRN'}, 'z': {'parents': ['x'], 'type': 'LRN'}}}}}",
   PALEO_NET_ERROR_INVALID, "mp/z@0", "'@self' or '@all'"},
  {"bad_splits",
   "{'layers': {" DATA ", 'mp': {'type': 'ModelParallel', 'splits': 0, 'parents': ['data'],"
   " 'layers': {'x': {'parents': [], 'type': 'LRN'}}}}}",
   PALEO_NET_ERROR_INVALID, "mp", "splits 0"},
  {"conv_on_flat_input",
   "{'layers': {" DATA ", 'fc': {'parents': ['data'], 'type': 'InnerProduct', 'num_outputs': 4}, "
   CONV("c", "fc", "[1, 1, 4, 4]", "'SAME'") "}}",
   PALEO_NET_ERROR_INVALID, "c", "4-D"},
  {"huge_tensor", "{'layers': {'data': {'parents': [], 'type': 'Input', 'tensor': [2147483647, 2147483647, 2, 2]}}}",
   PALEO_NET_ERROR_INVALID, "data", "larger than 2^50"},
  {"huge_weights", "{'layers': {" DATA ", " CONV("conv1", "data", "[65536, 65536, 3, 2147483647]", "'SAME'") "}}",
   PALEO_NET_ERROR_INVALID, "conv1", "larger than 2^50"},
  {"value_too_large", "{'layers': {'data': {'parents': [], 'type': 'Input', 'tensor': [1, 1, 1, 10000000000]}}}",
   PALEO_NET_ERROR_INVALID, "data", "too large"},
  {"reshape_mismatch",
   "{'layers': {" DATA ", 'r': {'parents': ['data'], 'type': 'Reshape', 'output_shape': [2, 100]}}}",
   PALEO_NET_ERROR_INVALID, "r", "cannot reshape 2x8x8x3 into output_shape 2x100"},
  /* finding 16: json-glib keeps the last of two equal member names, silently */
  {"duplicate_layer_name",
   "{'name': 'dup', 'layers': {\n " DATA ",\n 'fc': {'parents': ['data'], 'type': 'InnerProduct', "
   "'num_outputs': 10},\n 'fc': {'parents': ['data'], 'type': 'InnerProduct', 'num_outputs': 99999}\n}}",
   PALEO_NET_ERROR_PARSE, "fc", ":4:2: duplicate layer 'fc'"},
  {"duplicate_layer_name_escaped",
   "{'layers': {" DATA ", 'fc': {'parents': ['data'], 'type': 'LRN'}, 'f\\u0063': {'parents': ['data'], 'type': 'LRN'}}}",
   PALEO_NET_ERROR_PARSE, "fc", "duplicate layer 'fc'"},
  {"duplicate_layer_in_block",
   "{'layers': {" DATA ", 'B': {'type': 'Block', 'parents': ['data'], 'layers': {"
   "'x': {'parents': [], 'type': 'LRN'}, 'x': {'parents': [], 'type': 'ReLU'}}}}}",
   PALEO_NET_ERROR_PARSE, "x", "duplicate layer 'x'"},
  {"duplicate_key_in_layer",
   "{'layers': {" DATA ", 'x': {'parents': ['data'], 'type': 'LRN', 'type': 'Dropout'}}}",
   PALEO_NET_ERROR_PARSE, NULL, "duplicate key 'type' in 'x'"},
  {"duplicate_top_level_key", "{'layers': {" DATA "}, 'layers': {" DATA "}}",
   PALEO_NET_ERROR_PARSE, NULL, "duplicate key 'layers' in the top-level object"},
  {"deconv_not_invertible",
   "{'layers': {" DATA ", 'up': {'parents': ['data'], 'type': 'Deconvolution', 'filter': [3, 3, 3, 3],"
   " 'strides': [1, 2, 2, 1], 'padding': 'SAME', 'output_shape': [2, 20, 20, 3]}}}",
   PALEO_NET_ERROR_INVALID, "up", "does not invert"},
};

static void run_case(void **state)
{
  const BadCase *c = *state;
  g_autofree char *file = g_strconcat(c->name, ".json", NULL);
  g_autofree char *path = net_test_write(file, c->json);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = paleo_net_load(path, 0, &error);
  assert_null(net);
  assert_non_null(error);
  print_message("%s\n", error->message);
  assert_int_equal(error->domain, PALEO_NET_ERROR);
  assert_int_equal(error->code, c->code);
  assert_true(g_str_has_prefix(error->message, path));
  if (c->layer) {
    g_autofree char *quoted = g_strdup_printf("layer '%s'", c->layer);
    assert_non_null(strstr(error->message, quoted));
  }
  if (!strstr(error->message, c->problem))
    fail_msg("expected \"%s\" in: %s", c->problem, error->message);
}

/* An empty file is malformed JSON, not a crash. */
static void test_empty_file(void **state)
{
  (void)state;
  g_autofree char *path = net_test_write("empty.json", "");
  g_autoptr(GError) error = NULL;
  assert_null(paleo_net_load(path, 0, &error));
  assert_true(error->domain == PALEO_NET_ERROR);
  assert_non_null(strstr(error->message, path));
}

/* Finding 07: 100,000 nested arrays overflowed the stack inside json-glib's recursive parser.
 * Nesting beyond 256 levels is refused before json-glib sees it, naming line and column;
 * 200 levels (in a member the loader ignores) still load. */
static void test_deep_nesting(void **state)
{
  (void)state;
  const int depths[] = {100000, 257};
  for (guint i = 0; i < G_N_ELEMENTS(depths); i++) {
    g_autofree char *open = g_strnfill(depths[i], '[');
    g_autofree char *close = g_strnfill(depths[i], ']');
    g_autofree char *text = g_strconcat("{\"name\": \"deep\", \"layers\": ", open, close, "}", NULL);
    g_autofree char *path = net_test_write("deep.json", text);
    g_autoptr(GError) error = NULL;
    assert_null(paleo_net_load(path, 0, &error));
    assert_true(g_error_matches(error, PALEO_NET_ERROR, PALEO_NET_ERROR_PARSE));
    g_autofree char *where = g_strdup_printf("%s:1:%d: JSON nested deeper than 256 levels", path, 27 + 256); /* the root object is the first level */
    if (!g_str_has_prefix(error->message, where))
      fail_msg("'%s' does not start with '%s'", error->message, where);
  }
  g_autofree char *open = g_strnfill(200, '[');
  g_autofree char *close = g_strnfill(200, ']');
  g_autofree char *text = g_strconcat("{\"extra\": ", open, close, ", \"layers\": {\"data\": {\"parents\": [], "
                                      "\"type\": \"Input\", \"tensor\": [1, 4, 4, 3]}}}", NULL);
  g_autofree char *path = net_test_write("deep200.json", text);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = paleo_net_load(path, 0, &error);
  assert_non_null(net);
}

/* json-glib's messages without a position read "FILE: message", not "FILE:message" (17). */
static void test_bad_encoding_message(void **state)
{
  (void)state;
  g_autofree char *path = net_test_write("latin1.json", "\xff{}");
  g_autoptr(GError) error = NULL;
  assert_null(paleo_net_load(path, 0, &error));
  g_autofree char *expected = g_strconcat(path, ": JSON data must be UTF-8 encoded", NULL);
  assert_true(g_str_has_prefix(error->message, expected));
}

int main(void)
{
  struct CMUnitTest tests[G_N_ELEMENTS(kCases) + 3];
  for (gsize i = 0; i < G_N_ELEMENTS(kCases); i++)
    tests[i] = (struct CMUnitTest){kCases[i].name, run_case, NULL, NULL, (void *)&kCases[i]};
  tests[G_N_ELEMENTS(kCases)] = (struct CMUnitTest)cmocka_unit_test(test_empty_file);
  tests[G_N_ELEMENTS(kCases) + 1] = (struct CMUnitTest)cmocka_unit_test(test_deep_nesting);
  tests[G_N_ELEMENTS(kCases) + 2] = (struct CMUnitTest)cmocka_unit_test(test_bad_encoding_message);
  return _cmocka_run_group_tests("net_errors", tests, G_N_ELEMENTS(tests), NULL, NULL);
}
