" Headless check of the nas syntax: run by test/run.sh as
"   vim -N -u NONE -i NONE -Es --cmd 'set rtp^=editors/vim' -S check.vim -- FILE...
" Every FILE must get filetype nas and the nas syntax without an error, and every
" significant character a highlight group; then snippets must get specific groups.
" Problems are written to $NAS_VIM_REPORT; vim exits non-zero when there are any.

filetype on
syntax on
let s:failures = []

function! s:Fail(message) abort
  call add(s:failures, a:message)
endfunction

" The syntax group under line `lnum`, column `col` (1-based).
function! s:Group(lnum, col) abort
  return synIDattr(synID(a:lnum, a:col, 1), 'name')
endfunction

" Every file named on the command line: no error, every significant character highlighted.
for s:file in argv()
  let v:errmsg = ''
  try
    execute 'edit' fnameescape(s:file)
  catch
    call s:Fail(s:file . ': ' . v:exception)
    continue
  endtry
  if &filetype !=# 'nas'
    call s:Fail(s:file . ': filetype is "' . &filetype . '", not nas')
  endif
  if get(b:, 'current_syntax', '') !=# 'nas'
    call s:Fail(s:file . ': the nas syntax was not loaded')
  endif
  for s:lnum in range(1, line('$'))
    let s:text = getline(s:lnum)
    for s:col in range(1, strlen(s:text))
      if s:text[s:col - 1] !~# '\s' && s:Group(s:lnum, s:col) ==# ''
        call s:Fail(printf('%s:%d:%d: %s has no highlight group', s:file, s:lnum, s:col,
              \ string(s:text[s:col - 1])))
        break
      endif
    endfor
  endfor
  if v:errmsg !=# ''
    call s:Fail(s:file . ': ' . v:errmsg)
  endif
endfor
if argc() == 0
  call s:Fail('no file to check was named')
endif

" Snippets: [line, fragment, occurrence (1-based), group of each of its characters]
let s:cases = [
      \ ['import std', 'import', 1, 'nasInclude'],
      \ ['import std', 'std', 1, 'nasModule'],
      \ ['input sequence [64, 128]', 'input', 1, 'nasStatement'],
      \ ['input sequence [64, 128]', 'sequence', 1, 'nasLayout'],
      \ ['input sequence [64, 128]', '128', 1, 'nasNumber'],
      \ ['param classes = 10', 'param', 1, 'nasStatement'],
      \ ['param classes = 10', 'classes', 1, 'nasParamName'],
      \ ['start NET', 'start', 1, 'nasStatement'],
      \ ['shared CELL', 'shared', 1, 'nasStatement'],
      \ ['shared CELL', 'CELL', 1, 'nasNonterminal'],
      \ ['constraint connected', 'constraint', 1, 'nasStatement'],
      \ ['constraint connected', 'connected', 1, 'nasConstraint'],
      \ ['constraint depth(BLOCKS) <= 6', 'depth', 1, 'nasConstraint'],
      \ ['constraint depth(BLOCKS) <= 6', 'BLOCKS', 1, 'nasNonterminal'],
      \ ['constraint depth(BLOCKS) <= 6', '<=', 1, 'nasOperator'],
      \ ['prune unreachable', 'prune', 1, 'nasStatement'],
      \ ['prune unreachable', 'unreachable', 1, 'nasConstraint'],
      \ ['op conv3x3 = conv(kernel=3)', 'op', 1, 'nasStatement'],
      \ ['op conv3x3 = conv(kernel=3)', 'conv3x3', 1, 'nasDeclared'],
      \ ['op conv3x3 = conv(kernel=3)', 'kernel', 1, 'nasParameter'],
      \ ['primitive conv(channels=*1, bias=false)', 'primitive', 1, 'nasStatement'],
      \ ['primitive conv(channels=*1, bias=false)', 'conv', 1, 'nasDeclared'],
      \ ['primitive conv(channels=*1, bias=false)', '*', 1, 'nasRelative'],
      \ ['primitive conv(channels=*1, bias=false)', 'false', 1, 'nasBoolean'],
      \ ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'topology', 1, 'nasStatement'],
      \ ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'Binary', 1, 'nasTopologyName'],
      \ ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'op', 2, 'nasTopologyParam'],
      \ ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'edges', 1, 'nasStatement'],
      \ ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'merge', 1, 'nasStatement'],
      \ ['topology Binary(op, a, b) edges (0,1) (0,1) merge op', 'op', 3, 'nasMerge'],
      \ ['topology C(a, b, c) inputs 2 edges (0,2) (1,2) (2,3) merge 3 concat', 'inputs', 1, 'nasStatement'],
      \ ['topology C(a, b, c) inputs 2 edges (0,2) (1,2) (2,3) merge 3 concat', '3', 2, 'nasMergeNode'],
      \ ['topology C(a, b, c) inputs 2 edges (0,2) (1,2) (2,3) merge 3 concat', 'concat', 1, 'nasMerge'],
      \ ['ARCH ::= Sequential(STEM, D2, HEAD)', 'ARCH', 1, 'nasRuleHead'],
      \ ['ARCH ::= Sequential(STEM, D2, HEAD)', '::=', 1, 'nasDefine'],
      \ ['ARCH ::= Sequential(STEM, D2, HEAD)', 'Sequential', 1, 'nasTopology'],
      \ ['ARCH ::= Sequential(STEM, D2, HEAD)', 'D2', 1, 'nasNonterminal'],
      \ ['ACT ::= relu | mish', 'mish', 1, 'nasPrimitive'],
      \ ['ACT ::= relu | mish', '|', 1, 'nasAlternative'],
      \ ['HEAD ::= Sequential(global_avg_pool, linear(classes))', 'global_avg_pool', 1, 'nasPrimitive'],
      \ ['HEAD ::= Sequential(global_avg_pool, linear(classes))', 'classes', 1, 'nasParamRef'],
      \ ['X ::= dropout(0.1)', '0.1', 1, 'nasNumber'],
      \ ['primitive batchnorm(eps=1e-5)', '1e-5', 1, 'nasNumber'],
      \ ['MIXER ::= 2: attention(heads=4) | mlp', '2', 1, 'nasWeight'],
      \ ['MIXER ::= 2: attention(heads=4) | mlp', ':', 3, 'nasWeightColon'],
      \ ['MIXER ::= 2: attention(heads=4) | mlp', 'heads', 1, 'nasParameter'],
      \ ['"Doc of a rule."', 'Doc of a rule.', 1, 'nasDocString'],
      \ ['import "blocks.nas"', 'blocks.nas', 1, 'nasString'],
      \ ['ACT ::= relu  # a comment | B', '# a comment | B', 1, 'nasComment'],
      \ ['constraint edges(Cell) <= 9', 'edges', 1, 'nasConstraint'],
      \ ['constraint inputs(Cell) == 2', '==', 1, 'nasOperator'],
      \ ['constraint params <= 5e6', 'params', 1, 'nasConstraint'],
      \ ['constraint macs <= 600e6', '600e6', 1, 'nasNumber'],
      \ ['K ::= 3 | 5', 'K', 1, 'nasRuleHead'],
      \ ['K ::= 3 | 5', '5', 1, 'nasNumber'],
      \ ['X ::= conv(16, kernel=(3 | 5))', '|', 1, 'nasAlternative'],
      \ ['X ::= conv(16, kernel=(3 | 5))', '5', 1, 'nasNumber'],
      \ ['X ::= conv(16, kernel=K)', 'K', 1, 'nasNonterminal'],
      \ ['X ::= Sequential(conv(kernel=(3 | 5)), relu)', 'relu', 1, 'nasPrimitive'],
      \ ['B(width, stride) ::= conv(width, stride=stride)', 'B', 1, 'nasRuleHead'],
      \ ['B(width, stride) ::= conv(width, stride=stride)', 'stride', 1, 'nasTopologyParam'],
      \ ['B(width, stride) ::= conv(width, stride=stride)', 'width', 2, 'nasParamRef'],
      \ ['B(width, stride) ::= conv(width, stride=stride)', '::=', 1, 'nasDefine'],
      \ ]

" each snippet on a line of its own, in one buffer highlighted once
enew
setfiletype nas
call setline(1, map(copy(s:cases), 'v:val[0]'))
for s:lnum in range(1, len(s:cases))
  let [s:line, s:fragment, s:nth, s:group] = s:cases[s:lnum - 1]
  let s:start = -1
  for s:i in range(s:nth)
    let s:start = stridx(s:line, s:fragment, s:start + 1)
  endfor
  if s:start < 0
    call s:Fail(printf('%s: %s occurs fewer than %d times', string(s:line), string(s:fragment), s:nth))
    continue
  endif
  for s:col in range(s:start + 1, s:start + strlen(s:fragment))
    let s:found = s:Group(s:lnum, s:col)
    if s:found !=# s:group
      call s:Fail(printf('%s: %s (#%d) is %s, expected %s', string(s:line), string(s:fragment),
            \ s:nth, string(s:found), s:group))
      break
    endif
  endfor
endfor

call writefile(s:failures, $NAS_VIM_REPORT)
if empty(s:failures)
  qall!
endif
cquit!
