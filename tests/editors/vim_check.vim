" vim_check.vim — run by tests/cli/editors_vim.sh as
"   vim -Nu NONE -i NONE -es --cmd 'set rtp^=EDITORS_VIM' -S vim_check.vim SAMPLE OUT
" with filetype detection, the ftplugin and the syntax file loaded; writes
" one "ok"/"FAIL" line per check to OUT (the last argument) and quits.
let s:out = []
function! s:Ok(cond, what) abort
  call add(s:out, (a:cond ? 'ok   ' : 'FAIL ') . a:what)
endfunction
" The highlight group at the OFFSET-th character of the first match of
" PATTERN (very nomagic): '' for plain text.
function! s:GroupAt(pattern, offset) abort
  call cursor(1, 1)
  let l:line = search('\V' . escape(a:pattern, '\'), 'cW')
  if l:line == 0
    return '<pattern not found: ' . a:pattern . '>'
  endif
  return synIDattr(synID(l:line, col('.') + a:offset, 1), 'name')
endfunction
function! s:Is(pattern, offset, group) abort
  let l:got = s:GroupAt(a:pattern, a:offset)
  call s:Ok(l:got ==# a:group, a:pattern . ' +' . a:offset . ': want ' . a:group . ', got ' . l:got)
endfunction
function! s:IsNot(pattern, offset, groups) abort
  let l:got = s:GroupAt(a:pattern, a:offset)
  call s:Ok(index(a:groups, l:got) < 0 && l:got !~# '^<', a:pattern . ' +' . a:offset . ': got ' . l:got . ', none of ' . join(a:groups))
endfunction

filetype plugin on
syntax on
let s:outfile = argv(argc() - 1)
execute 'edit ' . fnameescape(argv(0))
call s:Ok(&filetype ==# 'kam', 'ftdetect: filetype=' . &filetype)
call s:Ok(get(b:, 'current_syntax', '') ==# 'kam', 'syntax/kam.vim loaded')
call s:Ok(&commentstring ==# '# %s', 'ftplugin: commentstring=' . &commentstring)
call s:Ok(v:errmsg ==# '', 'no error while loading: ' . v:errmsg)

let s:kw = ['kamDefine', 'kamTopWord', 'kamPer', 'kamKeyword', 'kamStageWord', 'kamOrdered', 'kamOrderedInEnum', 'kamKey', 'kamBuiltin']
call s:Is('policy "', 0, 'kamDefine')
call s:Is('\"FY27', 0, 'kamEscape')
call s:Is('record account', 0, 'kamDefine')
call s:Is('id: string key', 0, 'kamField')
call s:Is('id: string key', 4, 'kamType')
call s:Is('id: string key', 11, 'kamKey')
call s:Is('  key: string', 2, 'kamField')
call s:Is('enum ordered {', 0, 'kamStructure')
call s:Is('enum ordered {', 5, 'kamOrderedInEnum')
call s:Is('  ordered: bool', 2, 'kamField')
call s:Is('since: date?', 11, 'kamOperator')
call s:Is('  output: int', 2, 'kamField')
call s:Is('  per: int', 2, 'kamField')
call s:Is('output id, segment', 0, 'kamTopWord')
call s:Is('display id', 0, 'kamTopWord')
call s:Is('min_profit: money', 12, 'kamType')
call s:Is('12.5%', 0, 'kamNumber')
call s:Is('12.5%', 4, 'kamUnit')
call s:Is('250k', 3, 'kamUnit')
call s:Is('1e6', 2, 'kamNumber')
call s:Is('2026-01-31', 0, 'kamDate')
call s:Is('?? 2026', 0, 'kamOperator')
call s:Is('total(revenue per segment)', 0, 'kamBuiltin')
call s:Is('total(revenue per segment)', 14, 'kamPer')
call s:IsNot('odd = output > per and per', 6, s:kw)
call s:IsNot('odd = output > per and per', 15, s:kw)
call s:IsNot('odd = output > per and per', 23, s:kw)
call s:Is('odd = output > per and per', 19, 'kamOperatorWord')
call s:IsNot('let total = units', 4, s:kw)
call s:IsNot('plain_key = key', 12, s:kw)
call s:IsNot('  output > 2', 2, s:kw)
call s:Is('if risk between', 0, 'kamConditional')
call s:Is('if risk between', 8, 'kamOperatorWord')
call s:Is('and true or false', 4, 'kamBoolean')
call s:Is('# the key', 0, 'kamComment')
call s:Is('25 when profitable', 3, 'kamConditional')
call s:Is('  order pre_kam', 2, 'kamStageWord')
call s:Is('  final uncoupling', 2, 'kamStageWord')
call s:Is('  any -> uncoupling', 2, 'kamStageWord')
call s:Is('  any -> uncoupling', 6, 'kamOperator')
call s:Is('  winback uncoupling', 2, 'kamStageWord')
call s:Is('given { revenue', 0, 'kamStatement')
call s:Is('as of 2026-06-30', 0, 'kamKeyword')

" a second buffer: the literals the lexer refuses, and stage words outside stages
execute 'edit ' . fnameescape(argv(1))
call s:Is('12x', 0, 'kamBadNumber')
call s:Is('2k%', 0, 'kamBadNumber')
call s:Is('\q', 0, 'kamBadEscape')
call s:IsNot('order = final + any', 0, s:kw)
call s:IsNot('order = final + any', 8, s:kw)
call s:IsNot('order = final + any', 16, s:kw)

call writefile(s:out, s:outfile)
qall!
