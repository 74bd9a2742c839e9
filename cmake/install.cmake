# `cmake --install` puts the runtime and the backend library, their headers, and a
# CMake package config under the prefix, so an embedding project can write
#   find_package(AlterRuntime REQUIRED)
#   target_link_libraries(host PRIVATE alter::runtime)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ALTER_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/AlterRuntime")
# Exported as alter::runtime and alter::backend, the names used inside the tree.
set_target_properties(alter_runtime PROPERTIES EXPORT_NAME runtime)
set_target_properties(alter_backend PROPERTIES EXPORT_NAME backend)

install(TARGETS alter_runtime alter_backend EXPORT AlterRuntimeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/alter)
foreach(dir messages auth net actors backend)
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/alter/${dir}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT AlterRuntimeTargets NAMESPACE alter:: DESTINATION ${ALTER_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/AlterRuntimeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/AlterRuntimeConfig.cmake
  INSTALL_DESTINATION ${ALTER_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/AlterRuntimeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/AlterRuntimeConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/AlterRuntimeConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/FindCAF.cmake
  DESTINATION ${ALTER_CMAKE_DIR})
