// Classifies images with a network Sculpt exported as ONNX, in OpenCV's DNN module (Debian:
// libopencv-dnn-dev nlohmann-json3-dev zlib1g-dev). Build and run:
//   g++ -std=c++17 -O2 classify_opencv.cc -o classify_opencv -I/usr/include/opencv4
//       -lopencv_dnn -lopencv_core -lz     (one command)
//   ./classify_opencv EXPORT_DIR IMAGES_IDX[.gz] [COUNT]
// EXPORT_DIR holds model.onnx and architecture.json (whose "input" says how pixels are
// normalised); IMAGES_IDX is an IDX file of 8-bit images (Fashion-MNIST's format). Prints one
// JSON line per image: its index, the predicted class and the logits.
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s EXPORT_DIR IMAGES_IDX[.gz] [COUNT]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const nlohmann::json input =
      nlohmann::json::parse(std::ifstream(dir + "/architecture.json"))["input"];

  // gzread reads gzip and plain files alike.
  gzFile file = gzopen(argv[2], "rb");
  unsigned char header[16];
  if (file == nullptr || gzread(file, header, 16) != 16) {
    std::fprintf(stderr, "cannot read %s\n", argv[2]);
    return 1;
  }
  auto be32 = [&header](int at) {
    return int(header[at]) << 24 | int(header[at + 1]) << 16 | int(header[at + 2]) << 8 |
           int(header[at + 3]);
  };
  const int images = be32(4), rows = be32(8), cols = be32(12);
  const int count = argc > 3 ? std::min(images, std::stoi(argv[3])) : images;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(count) * rows * cols);
  gzread(file, pixels.data(), static_cast<unsigned>(pixels.size()));
  gzclose(file);

  // x = (pixel * pixel_scale - mean) / std, as the network was trained (one channel).
  const float scale = input["pixel_scale"], mean = input["mean"][0], std = input["std"][0];
  const int dims[] = {count, 1, rows, cols};
  cv::Mat blob(4, dims, CV_32F);
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    blob.ptr<float>()[i] = (pixels[i] * scale - mean) / std;
  }

  cv::dnn::Net net = cv::dnn::readNetFromONNX(dir + "/model.onnx");
  net.setInput(blob);
  const cv::Mat logits = net.forward();  // [count, classes]
  for (int i = 0; i < count; ++i) {
    nlohmann::json row = nlohmann::json::array();
    int best = 0;
    for (int c = 0; c < logits.size[1]; ++c) {
      row.push_back(logits.at<float>(i, c));
      if (logits.at<float>(i, c) > logits.at<float>(i, best)) best = c;
    }
    std::printf("%s\n", nlohmann::json{{"image", i}, {"class", best}, {"logits", row}}.dump().c_str());
  }
  return 0;
}
