" ftplugin/kam.vim — settings for kam policies: comments start with #,
" two-space indents as `kam fmt` writes them, and `gq`/`:make` helpers.
" Syntax colours are in syntax/kam.vim; the language server (`kam lsp`) is
" wired in docs/editors.md.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=2 softtabstop=2
setlocal iskeyword=@,48-57,_
" `:make` checks the policy; errors land in the quickfix list
setlocal makeprg=kam\ check\ %
setlocal errorformat=%f:%l:%c:\ %trror:\ %m,%f:%l:%c:\ %tarning:\ %m,%-G%.%#

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< '
      \ . 'shiftwidth< softtabstop< iskeyword< makeprg< errorformat<'
