# fish completion for vspace-netns(8).
#
# Subcommands and options are the ones `vspace-netns --help` lists (tests/it/completions.rs
# compares them with the binary's own description, so this file cannot drift from it).
# Zones are the directory names under $VSPACE_NETNS_CONFDIR (default /etc/vspace-netns),
# guests those under $VSPACE_NETNS_VSERVERS (default /etc/vservers); names starting with a
# dot (.defaults, .distributions) are not guests.

function __vspace_netns_names --argument-names dir
    for d in $dir/*/
        basename $d
    end
end

function __vspace_netns_zones
    set -l dir /etc/vspace-netns
    set -q VSPACE_NETNS_CONFDIR; and set dir $VSPACE_NETNS_CONFDIR
    __vspace_netns_names $dir
end

function __vspace_netns_guests
    set -l dir /etc/vservers
    set -q VSPACE_NETNS_VSERVERS; and set dir $VSPACE_NETNS_VSERVERS
    __vspace_netns_names $dir
end

# The subcommand: the first word after vspace-netns that is not an option.
function __vspace_netns_sub
    for w in (commandline -opc)[2..-1]
        if not string match -q -- '-*' $w
            echo $w
            return 0
        end
    end
    return 1
end

# The words after the subcommand that are operands (for explain: every word, vspace's argv).
function __vspace_netns_operands
    set -l sub
    set -l dashdash
    for w in (commandline -opc)[2..-1]
        if test -z "$sub"
            string match -q -- '-*' $w; or set sub $w
        else if test "$sub" = explain -o -n "$dashdash"
            echo $w
        else if test "$w" = --
            set dashdash 1
        else if not string match -q -- '-*' $w
            echo $w
        end
    end
end

# True when --all is among the words typed (before a --).
function __vspace_netns_has_all
    for w in (commandline -opc)[2..-1]
        test "$w" = --; and return 1
        test "$w" = --all; and return 0
    end
    return 1
end

# True when the subcommand is one of $argv.
function __vspace_netns_is
    set -l sub (__vspace_netns_sub); or return 1
    contains -- $sub $argv
end

# True when the subcommand is $argv[1] and it has $argv[2] operands so far.
function __vspace_netns_at --argument-names sub n
    __vspace_netns_is $sub; or return 1
    test (count (__vspace_netns_operands)) -eq $n
end

set -l subcommands explain mac up down hook doctor status show completions help
complete -c vspace-netns -f
complete -c vspace-netns -n "not __vspace_netns_sub" -s h -l help -d 'Print help'
complete -c vspace-netns -n "not __vspace_netns_sub" -s V -l version -d 'Print version'
complete -c vspace-netns -n "not __vspace_netns_sub" -a explain -d 'Show what a vspace call would do, without doing it'
complete -c vspace-netns -n "not __vspace_netns_sub" -a mac -d 'Print the static MAC of a zone link'
complete -c vspace-netns -n "not __vspace_netns_sub" -a up -d 'Bring a zone up'
complete -c vspace-netns -n "not __vspace_netns_sub" -a down -d 'Take zones down'
complete -c vspace-netns -n "not __vspace_netns_sub" -a hook -d 'util-vserver scriptlet'
complete -c vspace-netns -n "not __vspace_netns_sub" -a doctor -d 'Check the host, a guest, a zone, or every zone'
complete -c vspace-netns -n "not __vspace_netns_sub" -a status -d "Show each zone's state, PIDs, links, routes and guests"
complete -c vspace-netns -n "not __vspace_netns_sub" -a show -d "Show a zone's effective configuration and the guests that name it"
complete -c vspace-netns -n "not __vspace_netns_sub" -a completions -d 'Print the completion script for SHELL'
complete -c vspace-netns -n "not __vspace_netns_sub" -a help -d 'Print the help of the given subcommand'

# -h/--help of every subcommand but help (explain: only before vspace's arguments).
complete -c vspace-netns -n "__vspace_netns_is mac up down hook doctor status show completions" -s h -l help -d 'Print help'
complete -c vspace-netns -n "__vspace_netns_at explain 0" -s h -l help -d 'Print help'

complete -c vspace-netns -n "__vspace_netns_is up down" -l dry-run -d 'Print the steps as ip command lines; change nothing'
# --all and a zone exclude each other (clap refuses both).
complete -c vspace-netns -n "__vspace_netns_at up 0; or __vspace_netns_at down 0; and not __vspace_netns_has_all" -l all -d 'Every configured zone, in name order'
complete -c vspace-netns -n "__vspace_netns_is status show" -l json -d 'Print JSON (field names in vspace-netns-zones(5))'
complete -c vspace-netns -n "__vspace_netns_is status" -l format -x -a "text json prometheus" -d 'Output format'
complete -c vspace-netns -n "__vspace_netns_is status doctor" -l expect-up -d 'Zones must be up: an idle zone fails too'
complete -c vspace-netns -n "__vspace_netns_at up 0; and not __vspace_netns_has_all" -l parent -r -a "(__fish_print_interfaces)" -d 'Every zone with a VLAN or macvlan link on this host interface'
complete -c vspace-netns -n "__vspace_netns_is status" -a "(__vspace_netns_zones)" -d zone
complete -c vspace-netns -n "__vspace_netns_is down" -l force -d 'Go ahead even while the zone is in use, claimed, or carries no mark'
complete -c vspace-netns -n "__vspace_netns_at up 0; and not __vspace_netns_has_all" -a "(__vspace_netns_zones)" -d zone
complete -c vspace-netns -n "__vspace_netns_is down; and not __vspace_netns_has_all" -a "(__vspace_netns_zones)" -d zone
complete -c vspace-netns -n "__vspace_netns_at show 0" -a "(__vspace_netns_zones)" -d zone
complete -c vspace-netns -n "__vspace_netns_at doctor 0" -a "(__vspace_netns_zones)" -d zone
complete -c vspace-netns -n "__vspace_netns_at doctor 0" -a "(__vspace_netns_guests)" -d guest
complete -c vspace-netns -n "__vspace_netns_at hook 0" -a "initialize prepre-start pre-start post-start pre-stop post-stop postpost-stop" -d phase
complete -c vspace-netns -n "__vspace_netns_at hook 1" -a "(__vspace_netns_guests)" -d guest
complete -c vspace-netns -n "__vspace_netns_at completions 0" -a "bash zsh fish" -d shell
complete -c vspace-netns -n "__vspace_netns_at help 0" -a "$subcommands"
