#pragma once
// Reads the pixels of a PNG file as Chromium writes its screenshots (8-bit RGB or RGBA, not
// interlaced), with zlib, for tests that look at a rendered page. Throws std::runtime_error on
// anything else.

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace sculpt::testing {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // row-major, 3 bytes a pixel
};

inline RgbImage ReadPng(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)),
                                       std::istreambuf_iterator<char>());
  auto u32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(file[at]) << 24 | static_cast<std::uint32_t>(file[at + 1]) << 16 |
           static_cast<std::uint32_t>(file[at + 2]) << 8 | file[at + 3];
  };
  if (file.size() < 33 || file[1] != 'P' || file[2] != 'N' || file[3] != 'G') {
    throw std::runtime_error(path + " is not a PNG file");
  }
  RgbImage image;
  int channels = 0;
  std::vector<std::uint8_t> compressed;
  for (std::size_t at = 8; at + 8 <= file.size();) {
    const std::uint32_t length = u32(at);
    const std::string type(file.begin() + at + 4, file.begin() + at + 8);
    const std::size_t data = at + 8;
    if (data + length > file.size()) throw std::runtime_error(path + ": a truncated chunk");
    if (type == "IHDR") {
      image.width = static_cast<int>(u32(data));
      image.height = static_cast<int>(u32(data + 4));
      const int depth = file[data + 8];
      const int color = file[data + 9];
      channels = color == 2 ? 3 : color == 6 ? 4 : 0;
      if (depth != 8 || channels == 0 || file[data + 12] != 0) {
        throw std::runtime_error(path + ": only 8-bit RGB(A), non-interlaced PNG is read");
      }
    } else if (type == "IDAT") {
      compressed.insert(compressed.end(), file.begin() + data, file.begin() + data + length);
    }
    at = data + length + 4;  // the data, then its CRC
  }
  const std::size_t stride = static_cast<std::size_t>(image.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, compressed.data(), compressed.size()) != Z_OK ||
      raw_size != raw.size()) {
    throw std::runtime_error(path + ": its image data does not inflate to its size");
  }
  // Undo each row's filter (PNG spec, section 9), in place.
  std::vector<std::uint8_t> pixels(stride * image.height);
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in_row = &raw[y * (stride + 1) + 1];
    std::uint8_t* row = &pixels[y * stride];
    const std::uint8_t* up = y > 0 ? &pixels[(y - 1) * stride] : nullptr;
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= static_cast<std::size_t>(channels) ? row[x - channels] : 0;
      const int b = up != nullptr ? up[x] : 0;
      const int c = up != nullptr && x >= static_cast<std::size_t>(channels) ? up[x - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) / 2; break;
        case 4: {
          const int p = a + b - c;
          const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw std::runtime_error(path + ": an unknown row filter");
      }
      row[x] = static_cast<std::uint8_t>(in_row[x] + predictor);
    }
  }
  image.rgb.resize(static_cast<std::size_t>(image.width) * image.height * 3);
  for (std::size_t i = 0; i < static_cast<std::size_t>(image.width) * image.height; ++i) {
    for (int k = 0; k < 3; ++k) image.rgb[i * 3 + k] = pixels[i * channels + k];
  }
  return image;
}

}  // namespace sculpt::testing
