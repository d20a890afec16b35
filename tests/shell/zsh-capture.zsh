# zsh-capture.zsh: what zsh completion offers for a command line (tests/it/completions.rs).
# usage: zsh -f zsh-capture.zsh FPATH_DIR OUT_FILE 'command line'
# Runs an interactive zsh on a pseudo-terminal (zpty), loads compinit with FPATH_DIR first in
# $fpath, types the command line and TAB, and writes every match the completion system
# offers to OUT_FILE, one per line (a compadd wrapper captures them).
zmodload zsh/zpty || exit 3
fdir=$1 out=$2 line=$3
: > $out
zpty z zsh -f -i || exit 3
zpty -w z "PROMPT= RPROMPT= PS2= ; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' insert-tab false; zstyle ':completion:*' menu no"
zpty -w z "__out=${(q)out}"
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  local -a __hits; builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rl -- $__hits >> $__out
  return 1
}'
zpty -w z 'comppostfuncs=(__done); __done() { print -r -- @@done >> $__out; exit 0 }'
zpty -w z "bindkey '^I' complete-word"
zpty -n -w z "$line"$'\t'
integer n=0
while (( n++ < 100 )); do
  grep -qx @@done $out 2>/dev/null && break
  zpty -r -t z junk 2>/dev/null || sleep 0.05
done
zpty -d z
grep -qx @@done $out || { print -u2 "capture.zsh: no completion finished for: $line"; exit 4 }
