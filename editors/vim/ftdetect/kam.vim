" ftdetect/kam.vim — kam policies: files ending in .kam get filetype=kam.
autocmd BufRead,BufNewFile *.kam setfiletype kam
