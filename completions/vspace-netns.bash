# bash completion for vspace-netns(8)                                -*- shell-script -*-
#
# Subcommands and options are the ones `vspace-netns --help` lists (tests/it/completions.rs
# compares them with the binary's own description, so this file cannot drift from it).
# Zones are the directory names under $VSPACE_NETNS_CONFDIR (default /etc/vspace-netns),
# guests those under $VSPACE_NETNS_VSERVERS (default /etc/vservers); names starting with a
# dot (.defaults, .distributions) are not guests.

# _vspace_netns_names DIR CUR: add the names of DIR's subdirectories that start with CUR.
_vspace_netns_names() {
    local d name
    for d in "$1"/*/; do
        [[ -d $d ]] || continue
        name=${d%/}
        name=${name##*/}
        [[ $name != .* && $name == "$2"* ]] && COMPREPLY+=("$name")
    done
}

_vspace_netns() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]:-}
    local zones=${VSPACE_NETNS_CONFDIR:-/etc/vspace-netns}
    local guests=${VSPACE_NETNS_VSERVERS:-/etc/vservers}
    local subcommands="explain mac up down hook doctor status show completions help"
    local sub= w i operands=0 dashdash= all=
    COMPREPLY=()

    # The subcommand is the first word that is not an option; operands are counted after it
    # (for explain: every word, vspace's argv).
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ -z $sub ]]; then
            [[ $w == -* ]] || sub=$w
        elif [[ $sub == explain ]]; then
            ((operands++))
        elif [[ -z $dashdash && $w == -- ]]; then
            dashdash=1
        elif [[ -z $dashdash && $w == --all ]]; then
            all=1
        elif [[ -n $dashdash || $w != -* ]]; then
            ((operands++))
        fi
    done

    if [[ -z $sub ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-h --help -V --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
        fi
        return 0
    fi

    local options="-h --help"
    case $sub in
    # --all and a zone exclude each other (clap refuses both).
    up) options="--dry-run -h --help" ;;
    down) options="--force --dry-run -h --help" ;;
    status) options="--json --format --expect-up -h --help" ;;
    show) options="--json -h --help" ;;
    doctor) options="--expect-up -h --help" ;;
    explain)
        # Everything after the subcommand is vspace's argv.
        ((operands == 0)) && [[ -z $dashdash && $cur == -* ]] &&
            COMPREPLY=($(compgen -W "-h --help" -- "$cur"))
        return 0
        ;;
    help) options= ;;
    esac
    [[ ($sub == up || $sub == down) && $operands == 0 && -z $all ]] && options="--all $options"
    [[ $sub == up && $operands == 0 && -z $all ]] && options="--parent $options"
    if [[ $sub == status && $prev == --format ]]; then
        COMPREPLY=($(compgen -W "text json prometheus" -- "$cur"))
        return 0
    fi
    if [[ -z $dashdash && $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        return 0
    fi

    case $sub:$operands in
    up:0 | down:*) [[ -n $all ]] || _vspace_netns_names "$zones" "$cur" ;;
    status:* | show:0) _vspace_netns_names "$zones" "$cur" ;;
    doctor:0)
        _vspace_netns_names "$zones" "$cur"
        _vspace_netns_names "$guests" "$cur"
        ;;
    hook:0)
        COMPREPLY=($(compgen -W "initialize prepre-start pre-start post-start pre-stop post-stop postpost-stop" -- "$cur"))
        ;;
    hook:1) _vspace_netns_names "$guests" "$cur" ;;
    completions:0) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
    help:0) COMPREPLY=($(compgen -W "$subcommands" -- "$cur")) ;;
    esac
    return 0
}

complete -F _vspace_netns vspace-netns
