" Vim syntax file
" Language:    nas, the search-space language of nasc (neural-architecture search)
" Filenames:   *.nas
"
" Conventions of the language: upper-case names are nonterminals, capitalised
" names before `(` are topologies, lower-case names are primitives and
" aliases, and a bare lower-case name among a primitive's arguments is a
" compile-time parameter. Where two items start at the same place, the one
" defined later wins, so general items come first.

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syntax case match

" ---- names ------------------------------------------------------------------
syntax match nasPrimitive   "\<[a-z_]\w*\>"
" a bare lower-case name among a primitive's arguments is a compile-time parameter
syntax match nasParamRef    "\<[a-z_]\w*\>" contained
syntax match nasNonterminal "\<[A-Z]\w*\>"
syntax match nasTopology    "\<[A-Z]\w*\ze\s*("
syntax match nasParameter   "\<\h\w*\ze\s*=\%(=\)\@!"
syntax match nasRuleHead    "\<\h\w*\ze\s*::="
syntax match nasRuleHead    "^\s*\zs\h\w*\ze\s*([^()]*)\s*::="

" ---- literals and operators ---------------------------------------------------
syntax match nasDelimiter   "[(),\[\]]"
syntax match nasOperator    "<=\|==\|="
syntax match nasNumber      "\%(\w\|\.\)\@<![-+]\=\%(\d\+\.\d*\|\.\d\+\|\d\+\)\%([eE][-+]\=\d\+\)\=\%(\w\|\.\)\@!"
syntax match nasRelative    "\*\ze\s*[-+]\=\.\=\d"
syntax keyword nasBoolean   true false
syntax match nasDefine      "::="
syntax match nasAlternative "|"
syntax match nasWeight      "\%(\w\|\.\)\@<!\d\+\%(\.\d\+\)\=\s*:\%([:=]\)\@!" contains=nasWeightColon
syntax match nasWeightColon ":" contained

" ---- a primitive's arguments: values, keyword arguments, parameters -----------
syntax region nasArguments matchgroup=nasDelimiter start="\%(\<[a-z_]\w*\s*\)\@<=(" end=")"
      \ contains=nasParamRef,nasParameter,nasNonterminal,nasTopology,nasArguments,nasTermArguments,
      \nasNumber,nasRelative,nasBoolean,nasString,nasComment,nasDelimiter,nasOperator,nasChoice
syntax region nasTermArguments matchgroup=nasDelimiter start="\%(\<[A-Z]\w*\s*\)\@<=(" end=")"
      \ contains=TOP
" a choice of values in argument position: `kernel=(3 | 5)`
syntax region nasChoice matchgroup=nasDelimiter start="\%(\w\s*\)\@<!(" end=")" contained
      \ contains=nasNumber,nasRelative,nasBoolean,nasString,nasAlternative,nasParamRef,nasNonterminal,
      \nasComment
" the parameters of a parametrised rule: `B(width, stride) ::= ...`
syntax region nasRuleParams matchgroup=nasDelimiter start="\%(^\s*\h\w*\s*\)\@<=(\ze[^()]*)\s*::="
      \ end=")" contains=nasTopologyParam,nasDelimiter

" ---- statements -----------------------------------------------------------------
syntax match nasInclude     "^\s*\zsimport\>" nextgroup=nasModule skipwhite
syntax match nasModule      "\<\h\w*\>" contained
syntax match nasStatement   "^\s*\zs\%(input\|start\|shared\|constraint\|prune\)\>"
syntax match nasLayout      "\%(\<input\s\+\)\@<=\%(sequence\|vector\|channels\)\>"
syntax match nasStatement   "^\s*\zsparam\>" nextgroup=nasParamName skipwhite
syntax match nasParamName   "\<\h\w*\>" contained
syntax match nasStatement   "^\s*\zsop\>" nextgroup=nasDeclared skipwhite
syntax match nasStatement   "^\s*\zsprimitive\>" nextgroup=nasDeclared skipwhite
syntax match nasDeclared    "\<\h\w*\>" contained
syntax match nasStatement   "^\s*\zstopology\>" nextgroup=nasTopologyName skipwhite
syntax match nasTopologyName "\<\h\w*\>" contained nextgroup=nasTopologyParams skipwhite
syntax region nasTopologyParams matchgroup=nasDelimiter start="(" end=")" contained
      \ contains=nasTopologyParam,nasDelimiter,nasComment
syntax match nasTopologyParam "\<\h\w*\>" contained
syntax match nasStatement   "\<edges\>"
syntax match nasStatement   "\<merge\>" nextgroup=nasMergeNode,nasMerge skipwhite
" `merge 8 concat`: the merge of node 8 only
syntax match nasMergeNode   "\<\d\+\>" contained nextgroup=nasMerge skipwhite
syntax match nasMerge       "\<\h\w*\>" contained
" `inputs 2` after a topology's parameters
syntax match nasStatement   "\<inputs\ze\s\+\d"
syntax match nasConstraint  "\%(\<constraint\s\+\)\@<=\%(connected\|depth\|edges\|inputs\|params\|macs\)\>"
syntax match nasConstraint  "\%(\<prune\s\+\)\@<=unreachable\>"

" ---- strings and comments ---------------------------------------------------------
syntax match nasEscape      "\\." contained
syntax region nasString     start=+"+ skip=+\\.+ end=+"+ contains=nasEscape
syntax region nasString     start=+'+ skip=+\\.+ end=+'+ contains=nasEscape
" a string that opens a line documents the declaration or rule after it
syntax region nasDocString  start=+^\s*\zs"+ skip=+\\.+ end=+"+ contains=nasEscape,@Spell
syntax region nasDocString  start=+^\s*\zs'+ skip=+\\.+ end=+'+ contains=nasEscape,@Spell
syntax keyword nasTodo      TODO FIXME XXX NOTE contained
syntax match nasComment     "#.*$" contains=nasTodo,@Spell

syntax sync minlines=50

highlight default link nasPrimitive      Function
highlight default link nasDeclared       Function
highlight default link nasMerge          Function
highlight default link nasMergeNode      Number
highlight default link nasNonterminal    Type
highlight default link nasRuleHead       Identifier
highlight default link nasTopology       Structure
highlight default link nasTopologyName   Structure
highlight default link nasParameter      Special
highlight default link nasTopologyParam  Special
highlight default link nasParamRef       Constant
highlight default link nasParamName      Constant
highlight default link nasDelimiter      Delimiter
highlight default link nasOperator       Operator
highlight default link nasDefine         Operator
highlight default link nasAlternative    Operator
highlight default link nasRelative       Operator
highlight default link nasWeightColon    Operator
highlight default link nasWeight         Number
highlight default link nasNumber         Number
highlight default link nasBoolean        Boolean
highlight default link nasInclude        Include
highlight default link nasModule         Identifier
highlight default link nasStatement      Statement
highlight default link nasLayout         StorageClass
highlight default link nasConstraint     Keyword
highlight default link nasEscape         SpecialChar
highlight default link nasString         String
highlight default link nasDocString      SpecialComment
highlight default link nasTodo           Todo
highlight default link nasComment        Comment

let b:current_syntax = 'nas'
let &cpo = s:cpo_save
unlet s:cpo_save
