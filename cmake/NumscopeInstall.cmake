# Installing numscope as a library and a tool: each layer's library exported as numscope::<layer>, its headers under
# include/numscope/<layer>/ (the form every source already includes), the numscope program, a CMake package
# (find_package(numscope CONFIG)), a pkg-config file, the man page and the bash and zsh completions.
# docs/install.md says how a consumer uses them; tests/install/ checks them on a real installed tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NUMSCOPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/numscope)
# The man page and the completions are printed by the numscope program itself (numscope help --man, numscope
# completion bash|zsh) after every link, from the same command tables as --help; they are installed from here.
set(NUMSCOPE_SHARE_DIR ${PROJECT_BINARY_DIR}/share)

# numscope_install(TARGET): installs a layer's library, exported as numscope::<TARGET without "numscope_">, and the
# headers of the layer folder it is called from, under include/numscope/<folder>/ with their subfolders.
function(numscope_install target)
  string(REGEX REPLACE "^numscope_" "" short ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${short})
  target_include_directories(${target} PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS ${target} EXPORT numscopeTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  file(RELATIVE_PATH layer ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  # Headers only (no sources, presets or test data); a glob, because installing is about what the folder holds.
  file(GLOB_RECURSE headers RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  foreach(h IN LISTS headers)
    get_filename_component(sub ${h} DIRECTORY)
    install(FILES ${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/numscope/${layer}/${sub})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY NUMSCOPE_INSTALLED_LIBRARIES ${short})
endfunction()

# numscope_install_package(): the program, the man page and completions, the CMake package and the pkg-config file.
# Called once every layer has called numscope_install().
function(numscope_install_package)
  install(TARGETS numscope EXPORT numscopeTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${NUMSCOPE_SHARE_DIR}/man/man1/numscope.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${NUMSCOPE_SHARE_DIR}/bash-completion/completions/numscope
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES ${NUMSCOPE_SHARE_DIR}/zsh/site-functions/_numscope DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)

  install(EXPORT numscopeTargets NAMESPACE numscope:: DESTINATION ${NUMSCOPE_CMAKE_DIR})
  get_property(components GLOBAL PROPERTY NUMSCOPE_INSTALLED_LIBRARIES)
  set(NUMSCOPE_COMPONENTS ${components})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/numscopeConfig.cmake.in
                                ${PROJECT_BINARY_DIR}/cmake/numscopeConfig.cmake INSTALL_DESTINATION ${NUMSCOPE_CMAKE_DIR})
  # 0.x: a minor version may change the API, so only the same major.minor is compatible.
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/numscopeConfigVersion.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/cmake/numscopeConfig.cmake ${PROJECT_BINARY_DIR}/cmake/numscopeConfigVersion.cmake
          DESTINATION ${NUMSCOPE_CMAKE_DIR})

  # pkg-config: the libraries from the top layer down, so that a single-pass linker resolves every symbol.
  set(NUMSCOPE_PC_LIBS "")
  foreach(lib api check quantize memory io formats support)
    string(APPEND NUMSCOPE_PC_LIBS " -lnumscope_${lib}")
  endforeach()
  # The prefix relative to the .pc file's folder (lib/pkgconfig: ../..), so that an installed tree can be moved.
  if(IS_ABSOLUTE ${CMAKE_INSTALL_LIBDIR})
    file(RELATIVE_PATH NUMSCOPE_PC_UP ${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
  else()
    file(RELATIVE_PATH NUMSCOPE_PC_UP /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/numscope.pc.in ${PROJECT_BINARY_DIR}/cmake/numscope.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/cmake/numscope.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
