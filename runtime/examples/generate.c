/*===- generate.c - Greedy generation with a KV cache, through the C API ---===*
 *
 * The loop kiln-generate runs (docs/generation.md), in plain C: the prompt in
 * one run with every cache tensor at past length 0, then one token a run, each
 * run's present_* outputs bound as the next run's past_* inputs, the next token
 * the argmax of the last logits row. The model: input_ids, attention_mask and
 * position_ids (int64 [1, n]), past_* ([1, heads, past, head dim], f32) ->
 * logits (f32 [1, n, vocab]) and present_* (the output named with "present"
 * for "past"). Usage: kiln_generate_example MODEL.kiln ID,ID,... N
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                           \
  do {                                                                        \
    kiln_status *status_ = (call);                                            \
    if (status_) {                                                            \
      fprintf(stderr, "error (%s): %s\n",                                     \
              kiln_code_name(kiln_status_code(status_)),                      \
              kiln_status_message(status_));                                  \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

#define MAX_TENSORS 64

/* A host tensor: its dims and a malloc'ed buffer. */
typedef struct {
  int64_t dims[8];
  int32_t rank;
  void *data;
  uint64_t bytes;
} buffer;

static kiln_tensor view(const char *name, kiln_element_type type, buffer *b) {
  kiln_tensor t;
  memset(&t, 0, sizeof t);
  t.name = name;
  t.element_type = type;
  t.device = KILN_DEVICE_CPU;
  t.rank = b->rank;
  t.dims = b->dims;
  t.data = b->data;
  t.byte_size = b->bytes;
  return t;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODEL.kiln ID,ID,... N\n", argv[0]);
    return 2;
  }
  int64_t tokens[4096];
  int64_t prompt = 0, wanted = atoll(argv[3]);
  for (char *p = argv[2]; *p && prompt < 2048; ++p) {
    tokens[prompt++] = strtoll(p, &p, 10);
    if (*p != ',')
      break;
  }
  if (prompt == 0 || wanted < 1 || prompt + wanted > 4096) {
    fprintf(stderr, "bad prompt or token count\n");
    return 2;
  }
  kiln_model *model;
  CHECK(kiln_model_load(argv[1], NULL, &model));
  kiln_session *session;
  CHECK(kiln_session_create(model, NULL, &session));

  /* The cache: every input named past*, with its output and its past dim. */
  size_t num_inputs = kiln_model_input_count(model), num_outputs = kiln_model_output_count(model);
  const char *past_names[MAX_TENSORS];
  size_t present_index[MAX_TENSORS], logits_index, num_cache = 0;
  buffer past[MAX_TENSORS];
  CHECK(kiln_model_find_output(model, "logits", &logits_index));
  for (size_t i = 0; i < num_inputs && num_cache < MAX_TENSORS; ++i) {
    const kiln_tensor_info *info;
    CHECK(kiln_model_input_info(model, i, &info));
    if (strncmp(info->name, "past", 4) != 0)
      continue;
    char present[256];
    snprintf(present, sizeof present, "present%s", info->name + 4);
    CHECK(kiln_model_find_output(model, present, &present_index[num_cache]));
    buffer *b = &past[num_cache];
    b->rank = info->rank;
    for (int32_t d = 0; d < info->rank; ++d) /* batch 1, past length 0 */
      b->dims[d] = info->dims[d] >= 0 ? info->dims[d] : d == 0 ? 1 : 0;
    b->data = malloc(64);
    b->bytes = 0;
    past_names[num_cache++] = info->name;
  }

  int64_t done = 0; /* tokens in the cache */
  for (int64_t generated = 0; generated < wanted; ++generated) {
    int64_t n = generated == 0 ? prompt : 1, *step = tokens + done;
    int64_t mask[4096], positions[4096];
    for (int64_t i = 0; i < done + n; ++i)
      mask[i] = 1;
    for (int64_t i = 0; i < n; ++i)
      positions[i] = done + i;
    buffer ids_b = {{1, n}, 2, step, (uint64_t)n * 8};
    buffer mask_b = {{1, done + n}, 2, mask, (uint64_t)(done + n) * 8};
    buffer pos_b = {{1, n}, 2, positions, (uint64_t)n * 8};
    kiln_tensor inputs[MAX_TENSORS + 3];
    size_t k = 0;
    inputs[k++] = view("input_ids", KILN_ELEMENT_TYPE_INT64, &ids_b);
    inputs[k++] = view("attention_mask", KILN_ELEMENT_TYPE_INT64, &mask_b);
    inputs[k++] = view("position_ids", KILN_ELEMENT_TYPE_INT64, &pos_b);
    for (size_t c = 0; c < num_cache; ++c)
      inputs[k++] = view(past_names[c], KILN_ELEMENT_TYPE_FLOAT32, &past[c]);
    CHECK(kiln_session_infer_shapes(session, inputs, k));

    buffer out[MAX_TENSORS + 1];
    kiln_tensor outputs[MAX_TENSORS + 1];
    for (size_t o = 0; o < num_outputs && o <= MAX_TENSORS; ++o) {
      const int64_t *dims;
      CHECK(kiln_session_output_shape(session, o, &out[o].rank, &dims));
      uint64_t count = 1;
      for (int32_t d = 0; d < out[o].rank; ++d)
        count *= (uint64_t)(out[o].dims[d] = dims[d]);
      out[o].bytes = count * 4;
      out[o].data = malloc(out[o].bytes + 64);
      outputs[o] = view(NULL, KILN_ELEMENT_TYPE_FLOAT32, &out[o]);
      outputs[o].index = (int32_t)o;
    }
    CHECK(kiln_session_run(session, inputs, k, outputs, num_outputs));

    /* The next token: the argmax of the last row; the presents become the past. */
    int64_t vocab = out[logits_index].dims[2], best = 0;
    const float *row = (const float *)out[logits_index].data + (n - 1) * vocab;
    for (int64_t v = 1; v < vocab; ++v)
      if (row[v] > row[best])
        best = v;
    done += n;
    tokens[done] = best;
    printf("%s%lld", generated ? " " : "", (long long)best);
    for (size_t c = 0; c < num_cache; ++c) {
      free(past[c].data);
      past[c] = out[present_index[c]];
      out[present_index[c]].data = NULL;
    }
    for (size_t o = 0; o < num_outputs; ++o)
      free(out[o].data);
  }
  printf("\n");
  for (size_t c = 0; c < num_cache; ++c)
    free(past[c].data);
  kiln_session_release(session);
  kiln_model_release(model);
  return 0;
}
