# `cmake --install` puts the layers' libraries, their public headers, the
# programs, a CMake package config and pkg-config files under the prefix, so an
# embedding project can write
#   find_package(AlterRuntime REQUIRED)
#   target_link_libraries(host PRIVATE alter::runtime)
# or `pkg-config --cflags --libs alter-runtime`.
include(CMakePackageConfigHelpers)

set(ALTER_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/AlterRuntime")
set(ALTER_LIBRARIES alter_messages alter_auth alter_net alter_actors alter_backend
                    alter_testing alter_runtime)
# Exported as alter::runtime, alter::backend, ...: the names used inside the tree.
foreach(lib IN LISTS ALTER_LIBRARIES)
  string(REGEX REPLACE "^alter_" "" export_name ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${export_name})
endforeach()
install(TARGETS ${ALTER_LIBRARIES} EXPORT AlterRuntimeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS alter alter-local alter-swarm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# `cmake --install --strip` strips the programs; CMake leaves static archives as
# they are, so strip their debug information here (a RelWithDebInfo build's
# archives are mostly that).
foreach(lib IN LISTS ALTER_LIBRARIES)
  if(NOT lib STREQUAL "alter_runtime")
    install(CODE "if(CMAKE_INSTALL_DO_STRIP)
      execute_process(COMMAND ${CMAKE_STRIP} --strip-debug
        \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/lib${lib}.a\")
    endif()")
  endif()
endforeach()

# The public headers: what these entry points include, transitively. Internal
# headers (client_calls.hpp, route_helpers.hpp, the stores' rows, ...) are not
# reachable from them and stay out of the package.
set(ALTER_PUBLIC_ENTRY_HEADERS
  alter/actors/agents_namespace.hpp
  alter/actors/async_client.hpp
  alter/actors/blocking_client.hpp
  alter/actors/client_actors.hpp
  alter/actors/client_environment.hpp
  alter/actors/client_options.hpp
  alter/actors/clients.hpp
  alter/actors/keys_namespace.hpp
  alter/actors/retry_policy.hpp
  alter/actors/runtime.hpp
  alter/auth/scope.hpp
  alter/backend/bootstrap.hpp
  alter/backend/local_backend.hpp
  alter/testing/scripted_transport.hpp)
set(ALTER_PUBLIC_HEADERS)
set(pending ${ALTER_PUBLIC_ENTRY_HEADERS})
while(pending)
  list(POP_FRONT pending header)
  if(header IN_LIST ALTER_PUBLIC_HEADERS OR NOT EXISTS ${PROJECT_SOURCE_DIR}/${header})
    continue()
  endif()
  list(APPEND ALTER_PUBLIC_HEADERS ${header})
  file(STRINGS ${PROJECT_SOURCE_DIR}/${header} includes REGEX "^#include [\"<]alter/")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^#include [\"<]([^\">]+)[\">].*" "\\1" included "${line}")
    list(APPEND pending ${included})
  endforeach()
endwhile()
foreach(header IN LISTS ALTER_PUBLIC_HEADERS)
  get_filename_component(dir ${header} DIRECTORY)
  install(FILES ${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir})
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/generated/alter/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/alter)
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/alter-runtime)

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

# pkg-config: CAF 0.17 ships no .pc file, so its libraries are named directly.
# Relocatable: the prefix is found from the .pc file's own place, so an
# install with `--prefix DIR` (or DESTDIR) needs no other configuration.
file(RELATIVE_PATH ALTER_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
foreach(pc alter-runtime alter-backend)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
