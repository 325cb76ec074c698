# Writes the man page and the completion scripts by running the numscope program (cmake -P, after each link of
# numscope): NUMSCOPE is the program, OUT the share/ folder of the build tree.
foreach(item "man/man1/numscope.1;help;--man" "bash-completion/completions/numscope;completion;bash"
             "zsh/site-functions/_numscope;completion;zsh")
  list(POP_FRONT item file)
  get_filename_component(dir ${OUT}/${file} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  execute_process(COMMAND ${NUMSCOPE} ${item} OUTPUT_FILE ${OUT}/${file}.tmp RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "numscope ${item} failed (${rc})")
  endif()
  file(RENAME ${OUT}/${file}.tmp ${OUT}/${file})
endforeach()
