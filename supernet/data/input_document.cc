#include "supernet/data/input_document.h"

#include <cstdint>
#include <vector>

namespace sculpt {

nlohmann::json InputDocument(const ModelFamily& family, const ImageDataset& data) {
  const std::vector<std::int64_t> shape = family.InputShape();
  return {{"shape", std::vector<std::int64_t>(shape.begin() + 1, shape.end())},
          {"pixel_scale", 1.0 / 255.0},
          {"mean", data.Mean()},
          {"std", data.Std()},
          {"normalise", "x = (pixel * pixel_scale - mean[c]) / std[c]"}};
}

}  // namespace sculpt
