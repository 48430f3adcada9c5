# Finds OpenCV's DNN module as Debian's libopencv-dnn-dev installs it (headers in
# /usr/include/opencv4, no CMake package: that comes with libopencv-dev and its 60 further
# packages). Defines the imported target OpenCVDnn::OpenCVDnn. Used by the tests that run
# exported ONNX models in OpenCV.
find_path(OpenCVDnn_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4)
find_library(OpenCVDnn_DNN_LIBRARY opencv_dnn)
find_library(OpenCVDnn_CORE_LIBRARY opencv_core)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenCVDnn REQUIRED_VARS OpenCVDnn_INCLUDE_DIR
                                  OpenCVDnn_DNN_LIBRARY OpenCVDnn_CORE_LIBRARY)
if(OpenCVDnn_FOUND AND NOT TARGET OpenCVDnn::OpenCVDnn)
  add_library(OpenCVDnn::OpenCVDnn INTERFACE IMPORTED)
  set_target_properties(OpenCVDnn::OpenCVDnn PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${OpenCVDnn_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${OpenCVDnn_DNN_LIBRARY};${OpenCVDnn_CORE_LIBRARY}")
endif()
