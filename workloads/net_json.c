/* A look at the raw text of a PALEO JSON net before json-glib parses it, for the two things
 * json-glib gets wrong on hostile input: nesting so deep that its recursive parser
 * overflows the stack (about 70,000 levels), and duplicate member names, of which it
 * silently keeps the last (a second layer "fc" would replace the first). Malformed JSON is
 * left for json-glib to report; this scan only needs to survive it. */
#include "workloads/net_int.h"

#include <stdarg.h>
#include <string.h>

typedef struct {
  GHashTable *keys;    /* member names seen (objects only; NULL for arrays) */
  gboolean expect_key; /* objects: the next string is a member name */
  char *member;        /* owned: the member whose value this container is, NULL when none */
} Container;

typedef struct {
  const char *text, *end, *p;
  const char *path;
  guint line;
  const char *line_start;
  GArray *stack;       /* of Container */
  char *last_key;      /* owned: the member name just read in the innermost object */
} Scan;

static void container_clear(gpointer data)
{
  Container *c = data;
  if (c->keys)
    g_hash_table_destroy(c->keys);
  g_free(c->member);
}

static gboolean scan_fail(Scan *s, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean scan_fail(Scan *s, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_PARSE, "%s:%u:%u: %s", s->path, s->line,
              (guint)(s->p - s->line_start) + 1, msg);
  return FALSE;
}

static Container *top(Scan *s)
{
  return s->stack->len ? &g_array_index(s->stack, Container, s->stack->len - 1) : NULL;
}

/* Appends the code point of a \uXXXX escape at `p` (after the 'u'); FALSE when malformed. */
static gboolean hex4(const char *p, const char *end, gunichar *out)
{
  if (end - p < 4)
    return FALSE;
  *out = 0;
  for (int i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value(p[i]);
    if (d < 0)
      return FALSE;
    *out = *out * 16 + (gunichar)d;
  }
  return TRUE;
}

/* Reads the string starting at the opening quote s->p, decoded (so that "f\u0063" and "fc"
 * are one name); leaves s->p after the closing quote. An unterminated string ends the text. */
static char *read_string(Scan *s)
{
  GString *out = g_string_new(NULL);
  const char *p = s->p + 1;
  while (p < s->end && *p != '"') {
    if (*p != '\\' || p + 1 >= s->end) {
      g_string_append_c(out, *p++);
      continue;
    }
    static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
    const char *k = strchr(plain, p[1]);
    gunichar u;
    if (p[1] && k) {
      g_string_append_c(out, decoded[k - plain]);
      p += 2;
    } else if (p[1] == 'u' && hex4(p + 2, s->end, &u)) {
      g_string_append_unichar(out, u);
      p += 6;
    } else {
      g_string_append_c(out, *p++); /* malformed: json-glib will say so */
    }
  }
  s->p = p < s->end ? p + 1 : p;
  return g_string_free(out, FALSE);
}

static gboolean open_container(Scan *s, gboolean object, guint max_depth, GError **error)
{
  if (s->stack->len >= max_depth)
    return scan_fail(s, error, "JSON nested deeper than %u levels (a net needs a few)", max_depth);
  Container *parent = top(s);
  Container c = {
    .keys = object ? g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) : NULL,
    .expect_key = object,
    .member = parent && parent->keys ? g_steal_pointer(&s->last_key) : NULL,
  };
  g_clear_pointer(&s->last_key, g_free);
  g_array_append_val(s->stack, c);
  return TRUE;
}

/* A member name of the innermost object: an error when the object already has it. */
static gboolean see_key(Scan *s, Container *obj, char *key, GError **error)
{
  if (g_hash_table_contains(obj->keys, key)) {
    gboolean layer = obj->member && !strcmp(obj->member, "layers");
    g_autofree char *name = key;
    if (layer)
      return scan_fail(s, error, "duplicate layer '%s' (layer names must be unique in their "
                       "\"layers\" object)", name);
    return scan_fail(s, error, "duplicate key '%s' in %s%s%s", name,
                     obj->member ? "'" : "the top-level object", obj->member ? obj->member : "",
                     obj->member ? "'" : "");
  }
  g_hash_table_add(obj->keys, g_strdup(key));
  g_free(s->last_key);
  s->last_key = key;
  obj->expect_key = FALSE;
  return TRUE;
}

static gboolean scan_token(Scan *s, guint max_depth, GError **error)
{
  Container *c = top(s);
  switch (*s->p) {
  case '\n':
    s->line++;
    s->line_start = ++s->p;
    return TRUE;
  case '{':
  case '[':
    if (!open_container(s, *s->p == '{', max_depth, error))
      return FALSE;
    s->p++;
    return TRUE;
  case '}':
  case ']':
    if (c)
      g_array_set_size(s->stack, s->stack->len - 1);
    g_clear_pointer(&s->last_key, g_free);
    s->p++;
    return TRUE;
  case ',':
    if (c && c->keys)
      c->expect_key = TRUE;
    s->p++;
    return TRUE;
  case '"': {
    const char *at = s->p;
    char *str = read_string(s);
    if (c && c->keys && c->expect_key) {
      const char *after = s->p;
      s->p = at; /* report the position of the key */
      gboolean ok = see_key(s, c, str, error);
      s->p = after;
      return ok;
    }
    g_free(str);
    return TRUE;
  }
  default:
    s->p++;
    return TRUE;
  }
}

gboolean paleo_net_json_check(const char *text, gsize len, const char *path, guint max_depth,
                              GError **error)
{
  Scan s = {.text = text, .end = text + len, .p = text, .path = path, .line = 1,
            .line_start = text, .stack = g_array_new(FALSE, FALSE, sizeof(Container))};
  g_array_set_clear_func(s.stack, container_clear);
  gboolean ok = TRUE;
  while (ok && s.p < s.end)
    ok = scan_token(&s, max_depth, error);
  g_array_free(s.stack, TRUE);
  g_free(s.last_key);
  return ok;
}
