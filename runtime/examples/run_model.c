/*===- run_model.c - The Kiln runtime C API, end to end --------------------===*
 *
 * Loads an artifact, prints its signature, fills every input with a fixed
 * pattern (dynamic dims set to 2), asks for the output shapes, allocates the
 * outputs, runs once and prints the first values of each output. Then shows
 * the error a wrong input shape gets. Usage: kiln_run_model MODEL.kiln
 *
 * This program is the documentation of kiln/runtime.h in compiled form; the
 * test suite builds and runs it.
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
      kiln_status_release(status_);                                           \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

/* Fills n elements of `type` with small values that are valid as indices. */
static void fill(void *data, kiln_element_type type, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    switch (type) {
    case KILN_ELEMENT_TYPE_FLOAT32: ((float *)data)[i] = (float)(i % 7) * 0.25f - 0.5f; break;
    case KILN_ELEMENT_TYPE_INT64: ((int64_t *)data)[i] = (int64_t)(i % 2 == 0); break;
    case KILN_ELEMENT_TYPE_INT32: ((int32_t *)data)[i] = (int32_t)(i % 2 == 0); break;
    case KILN_ELEMENT_TYPE_BOOL: ((uint8_t *)data)[i] = 1; break;
    default: memset((char *)data + i * kiln_element_type_size(type), 0,
                    kiln_element_type_size(type));
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.kiln\n", argv[0]);
    return 2;
  }
  kiln_options *options;
  CHECK(kiln_options_create(&options));
  CHECK(kiln_options_set_threads(options, 2));
  kiln_model *model;
  CHECK(kiln_model_load(argv[1], options, &model));
  kiln_session *session;
  CHECK(kiln_session_create(model, options, &session));
  kiln_options_release(options);
  printf("model '%s' (runtime %s)\n", kiln_model_name(model), kiln_version());

  size_t num_inputs = kiln_model_input_count(model);
  size_t num_outputs = kiln_model_output_count(model);
  kiln_tensor *inputs = calloc(num_inputs, sizeof *inputs);
  kiln_tensor *outputs = calloc(num_outputs, sizeof *outputs);
  int64_t(*in_dims)[64] = calloc(num_inputs ? num_inputs : 1, sizeof *in_dims);
  for (size_t i = 0; i < num_inputs; ++i) {
    const kiln_tensor_info *info;
    CHECK(kiln_model_input_info(model, i, &info));
    uint64_t n = 1;
    printf("input  %s: %s [", info->name, kiln_element_type_name(info->element_type));
    for (int32_t d = 0; d < info->rank; ++d) {
      in_dims[i][d] = info->dims[d] < 0 ? 2 : info->dims[d];
      n *= (uint64_t)in_dims[i][d];
      printf("%s%s", d ? ", " : "", info->dims[d] < 0 ? info->dim_params[d] : "");
      if (info->dims[d] >= 0)
        printf("%lld", (long long)info->dims[d]);
    }
    printf("]\n");
    inputs[i].name = info->name;
    inputs[i].element_type = info->element_type;
    inputs[i].device = KILN_DEVICE_CPU;
    inputs[i].rank = info->rank;
    inputs[i].dims = in_dims[i];
    inputs[i].byte_size = n * kiln_element_type_size(info->element_type);
    inputs[i].data = malloc(inputs[i].byte_size ? inputs[i].byte_size : 1);
    fill(inputs[i].data, info->element_type, n);
  }

  /* Output shapes depend on the inputs' dynamic dims: ask, then allocate. */
  CHECK(kiln_session_infer_shapes(session, inputs, num_inputs));
  for (size_t i = 0; i < num_outputs; ++i) {
    const kiln_tensor_info *info;
    CHECK(kiln_model_output_info(model, i, &info));
    int32_t rank;
    const int64_t *dims;
    CHECK(kiln_session_output_shape(session, i, &rank, &dims));
    uint64_t n = 1;
    for (int32_t d = 0; d < rank; ++d)
      n *= (uint64_t)dims[d];
    outputs[i].index = (int32_t)i; /* name NULL: bind by index */
    outputs[i].element_type = info->element_type;
    outputs[i].device = KILN_DEVICE_CPU;
    outputs[i].rank = rank;
    int64_t *copy = malloc(sizeof(int64_t) * (rank ? (size_t)rank : 1));
    memcpy(copy, dims, sizeof(int64_t) * (size_t)rank);
    outputs[i].dims = copy;
    outputs[i].byte_size = n * kiln_element_type_size(info->element_type);
    outputs[i].data = malloc(outputs[i].byte_size ? outputs[i].byte_size : 1);
  }
  CHECK(kiln_session_run(session, inputs, num_inputs, outputs, num_outputs));

  for (size_t i = 0; i < num_outputs; ++i) {
    const kiln_tensor_info *info;
    CHECK(kiln_model_output_info(model, i, &info));
    printf("output %s: [", info->name);
    for (int32_t d = 0; d < outputs[i].rank; ++d)
      printf("%s%lld", d ? ", " : "", (long long)outputs[i].dims[d]);
    printf("]");
    if (info->element_type == KILN_ELEMENT_TYPE_FLOAT32) {
      uint64_t n = outputs[i].byte_size / sizeof(float);
      for (uint64_t j = 0; j < n && j < 4; ++j)
        printf(" %.6f", ((float *)outputs[i].data)[j]);
    }
    printf("\n");
  }

  /* A wrong shape is a status, not a crash. */
  if (num_inputs && inputs[0].rank > 0) {
    int64_t wrong[64];
    memcpy(wrong, inputs[0].dims, sizeof(int64_t) * (size_t)inputs[0].rank);
    wrong[0] += 1;
    kiln_tensor bad = inputs[0];
    bad.dims = wrong;
    kiln_tensor *copy = malloc(sizeof *copy * num_inputs);
    memcpy(copy, inputs, sizeof *copy * num_inputs);
    copy[0] = bad;
    kiln_status *status = kiln_session_run(session, copy, num_inputs, outputs, num_outputs);
    printf("wrong shape: %s: %s\n", kiln_code_name(kiln_status_code(status)),
           kiln_status_message(status));
    kiln_status_release(status);
    free(copy);
  }

  for (size_t i = 0; i < num_inputs; ++i)
    free(inputs[i].data);
  for (size_t i = 0; i < num_outputs; ++i) {
    free(outputs[i].data);
    free((void *)outputs[i].dims);
  }
  free(inputs);
  free(outputs);
  free(in_dims);
  kiln_session_release(session);
  kiln_model_release(model);
  return 0;
}
