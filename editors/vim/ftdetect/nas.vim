" nasc search spaces: *.nas files are of filetype nas.
autocmd BufRead,BufNewFile *.nas setfiletype nas
