//===- CUDADevice.cpp - the CUDA backend of the runtime -------------------===//
//
// Loading a CUDA artifact finds the driver and the device first, so a machine without them
// gets KILN_UNAVAILABLE naming what is missing. Running CUDA code (module load, the launch
// plan, the device arena, streams and graphs) comes with the CUDA target's code generation
// (docs/design/targets.md); until then the load stops at KILN_UNIMPLEMENTED.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/Device.h"

#include "runtime/lib/CUDADriver.h"
#include "runtime/lib/Options.h"
#include "runtime/lib/Status.h"

using namespace kiln;

kiln_status *kiln::checkCUDADevice(const char *fn, const char *file, int ordinal,
                                   int *computeCapability) {
  kiln_code code = KILN_OK;
  std::string error;
  const CUDADriver *driver = processCUDADriver(code, error);
  if (!driver)
    return makeStatus(code, "%s: '%s': CUDA is unavailable: %s", fn, file, error.c_str());
  CUDADeviceInfo device;
  if ((code = openCUDADevice(*driver, ordinal, device, error)))
    return makeStatus(code, "%s: '%s': CUDA is unavailable: %s", fn, file, error.c_str());
  if (computeCapability)
    *computeCapability = device.computeCapability;
  return nullptr;
}

kiln_status *kiln::loadCUDAModel(const DeviceLoad &load, std::unique_ptr<DeviceModel> &) {
  int ordinal = load.options ? load.options->ordinal : 0, capability = 0;
  if (kiln_status *s = checkCUDADevice(load.fn, load.file, ordinal, &capability))
    return s;
  return makeStatus(KILN_UNIMPLEMENTED,
                    "%s: '%s': running CUDA artifacts is not implemented yet (device %d, sm_%d)",
                    load.fn, load.file, ordinal, capability);
}
