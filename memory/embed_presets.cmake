# Writes OUT: one {"file.json", R"numscope_json(...)numscope_json"}, line per memory/presets/*.json (run at build
# time by memory/CMakeLists.txt, so that editing a config rebuilds the presets).
file(GLOB configs "${DIR}/*.json")
list(SORT configs)
set(text "")
foreach(path IN LISTS configs)
  get_filename_component(name "${path}" NAME)
  file(READ "${path}" body)
  string(APPEND text "{\"${name}\", R\"numscope_json(${body})numscope_json\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
