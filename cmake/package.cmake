# Install rules, the CMake package (find_package(dnn_retinanet) -> dnn_retinanet::dnn_retinanet), the
# pkg-config file (dnn_retinanet.pc) and Debian packages (cpack -G DEB). Included at the end of the
# top-level CMakeLists.txt; the Python module (python/) and the GStreamer plugin (gst/) install
# themselves into their components.
#
#   cmake --install build [--prefix DIR]       everything below
#   cmake --install build --component dev      headers, CMake package, pkg-config file, sample sources
#   cd build && cpack -G DEB                    libopencv-dnn-retinanet<SOVERSION>_*.deb (library,
#                                               Python module, GStreamer plugin, presets, shipped model)
#                                               and libopencv-dnn-retinanet-dev_*.deb (dev, samples)
#
# Components: library (the .so), python, gstreamer, data (presets, shipped model, label maps,
# licence), dev (headers, .so link, CMake/pkg-config files, sample sources), samples (the sample
# programs, only with DNN_RETINANET_INSTALL_SAMPLES=ON).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(DNN_RETINANET_INCLUDE_INSTALL_DIR "include/opencv4")   # next to OpenCV's own: <opencv2/dnn_retinanet.hpp>
set(DNN_RETINANET_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/dnn_retinanet")
set(DNN_RETINANET_DATA_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/dnn_retinanet")
set(_module "${PROJECT_SOURCE_DIR}/modules/dnn_retinanet")

# ------------------------------------------------------------------------------ library, headers
get_target_property(_lib_type opencv_dnn_retinanet TYPE)
install(TARGETS opencv_dnn_retinanet EXPORT dnn_retinanetTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT library NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT library
  INCLUDES DESTINATION "${DNN_RETINANET_INCLUDE_INSTALL_DIR}")
install(DIRECTORY "${_module}/include/" DESTINATION "${DNN_RETINANET_INCLUDE_INSTALL_DIR}" COMPONENT dev)

# ------------------------------------------------------------------------------ data
install(DIRECTORY "${DNN_RETINANET_PRESETS_DIR}/" DESTINATION "${DNN_RETINANET_DATA_INSTALL_DIR}/presets"
        COMPONENT data FILES_MATCHING PATTERN "*.yml")
install(FILES "${PROJECT_SOURCE_DIR}/data/models/synth_retinanet/model.onnx"
              "${PROJECT_SOURCE_DIR}/data/models/synth_retinanet/config.yml"
        DESTINATION "${DNN_RETINANET_DATA_INSTALL_DIR}/models/synth_retinanet" COMPONENT data)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/data/labels/" DESTINATION "${DNN_RETINANET_DATA_INSTALL_DIR}/labels"
        COMPONENT data)
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" "${PROJECT_SOURCE_DIR}/NOTICE"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT data)

# ------------------------------------------------------------------------------ samples
file(GLOB _sample_sources "${_module}/samples/*.cpp" "${_module}/samples/*.hpp" "${_module}/samples/*.yml")
install(FILES ${_sample_sources} DESTINATION "${DNN_RETINANET_DATA_INSTALL_DIR}/samples" COMPONENT dev)
install(DIRECTORY "${_module}/samples/python/" DESTINATION "${DNN_RETINANET_DATA_INSTALL_DIR}/samples/python"
        COMPONENT dev FILES_MATCHING PATTERN "*.py")
option(DNN_RETINANET_INSTALL_SAMPLES "Install the sample programs (retinanet_detect, retinanet_video, ...) into bin/" OFF)
if(DNN_RETINANET_INSTALL_SAMPLES AND DEFINED DNN_RETINANET_SAMPLE_TARGETS)
  install(TARGETS ${DNN_RETINANET_SAMPLE_TARGETS} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT samples)
endif()

# ------------------------------------------------------------------------------ CMake package
# A static library exports its private CUDA runtime as a link dependency: the package finds it then.
set(DNN_RETINANET_PACKAGE_NEEDS_CUDA OFF)
if(_lib_type STREQUAL "STATIC_LIBRARY" AND DNN_RETINANET_HAVE_CUDA)
  set(DNN_RETINANET_PACKAGE_NEEDS_CUDA ON)
endif()
install(EXPORT dnn_retinanetTargets NAMESPACE dnn_retinanet:: DESTINATION "${DNN_RETINANET_CMAKE_INSTALL_DIR}"
        COMPONENT dev)
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/dnn_retinanetConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/dnn_retinanetConfig.cmake"
  INSTALL_DESTINATION "${DNN_RETINANET_CMAKE_INSTALL_DIR}"
  PATH_VARS DNN_RETINANET_DATA_INSTALL_DIR DNN_RETINANET_INCLUDE_INSTALL_DIR)
# 0.x: a minor release may change the ABI (the SONAME carries MAJOR.MINOR)
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/dnn_retinanetConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/dnn_retinanetConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/dnn_retinanetConfigVersion.cmake"
        DESTINATION "${DNN_RETINANET_CMAKE_INSTALL_DIR}" COMPONENT dev)

# ------------------------------------------------------------------------------ pkg-config
# prefix is derived from the .pc file's own place, so `cmake --install --prefix` and DESTDIR work.
file(RELATIVE_PATH DNN_RETINANET_PC_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
set(DNN_RETINANET_PC_LIBS_PRIVATE "")
if(_lib_type STREQUAL "STATIC_LIBRARY")
  set(DNN_RETINANET_PC_LIBS_PRIVATE "-lstdc++ -lpthread")
  if(DNN_RETINANET_HAVE_CUDA)
    string(APPEND DNN_RETINANET_PC_LIBS_PRIVATE " -L${DNN_RETINANET_CUDA_LIBRARY_DIR} -lcudart_static -ldl -lrt")
  endif()
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/dnn_retinanet.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/dnn_retinanet.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/dnn_retinanet.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
        COMPONENT dev)

# ------------------------------------------------------------------------------ Debian packages
get_target_property(_soversion opencv_dnn_retinanet SOVERSION)
set(CPACK_PACKAGE_NAME "libopencv-dnn-retinanet")
set(CPACK_PACKAGE_VENDOR "dnn_retinanet authors")
set(CPACK_PACKAGE_CONTACT "dnn_retinanet authors <dnn-retinanet@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "RetinaNet (focal loss) object detection for OpenCV dnn")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "libs")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)           # Depends from dpkg-shlibdeps (libopencv-dnn4.6, ...)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_COMPONENTS_ALL library python gstreamer data dev)
if(DNN_RETINANET_INSTALL_SAMPLES)
  list(APPEND CPACK_COMPONENTS_ALL samples)
endif()
# two packages, as Debian splits a library: runtime (named after the SONAME) and -dev
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENT_DEV_GROUP dev)
set(CPACK_COMPONENT_SAMPLES_GROUP dev)
set(CPACK_COMPONENT_LIBRARY_GROUP runtime)
set(CPACK_COMPONENT_PYTHON_GROUP runtime)
set(CPACK_COMPONENT_GSTREAMER_GROUP runtime)
set(CPACK_COMPONENT_DATA_GROUP runtime)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "libopencv-dnn-retinanet${_soversion}")
if(DEFINED DNN_RETINANET_PYTHON_DEB_DEPENDS)   # set by python/ when the module is built
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "${DNN_RETINANET_PYTHON_DEB_DEPENDS}")
endif()
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
    "RetinaNet (focal loss) object detection for OpenCV dnn\n The library, its Python module, the GStreamer plugin, presets and the shipped model.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME "libopencv-dnn-retinanet-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libopencv-dnn-retinanet${_soversion} (= ${PROJECT_VERSION}), libopencv-dev (>= 4.6)")
set(CPACK_DEBIAN_DEV_DESCRIPTION
    "RetinaNet (focal loss) object detection for OpenCV dnn: development files\n Headers, CMake package, pkg-config file and sample sources.")
include(CPack)
