# bash completion for portcullis(1).  Commands and options come from the
# program's own help ('portcullis help [COMMAND [SUB]]'), so they never
# drift from what it accepts.
_portcullis() {
        local cur prev words cword
        _init_completion 2>/dev/null || {
                cur=${COMP_WORDS[COMP_CWORD]}
                prev=${COMP_WORDS[COMP_CWORD-1]}
                words=("${COMP_WORDS[@]}")
                cword=$COMP_CWORD
        }
        local prog=${words[0]} cmd="" sub="" helped="" i w

        for ((i = 1; i < cword; i++)); do
                w=${words[i]}
                case $w in -*) continue ;; esac
                if [[ -z $cmd ]]; then
                        cmd=$w
                elif [[ $cmd == help && -z $helped ]]; then     # help COMMAND [SUBCOMMAND]
                        cmd=$w helped=1
                elif [[ -z $sub && ( $cmd == db || $cmd == cache || $cmd == policy ) ]]; then
                        sub=$w
                fi
        done
        # after 'help COMMAND' only a sub-command of db, cache or policy
        if [[ -n $helped ]] && ! [[ -z $sub && $cur != -* && ( $cmd == db || $cmd == cache || $cmd == policy ) ]]; then
                return
        fi

        case $prev in
        --format)
                case $cmd in
                scan) COMPREPLY=($(compgen -W "table json sarif cyclonedx spdx-json html" -- "$cur")) ;;
                inventory) COMPREPLY=($(compgen -W "table json cyclonedx spdx-json html" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
                esac
                return ;;
        --sort) COMPREPLY=($(compgen -W "severity package id fixed kev epss" -- "$cur")); return ;;
        --pkg-types) COMPREPLY=($(compgen -W "os library os,library" -- "$cur")); return ;;
        --severity|--fail-on)
                COMPREPLY=($(compgen -W "CRITICAL HIGH MEDIUM LOW NONE UNKNOWN" -- "$cur")); return ;;
        --unknown-as) COMPREPLY=($(compgen -W "CRITICAL HIGH MEDIUM LOW NONE" -- "$cur")); return ;;
        --db|--cache|--config|--policy|--state|--log|--key|--output|--vex|--sbom)
                COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --state-root|--root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --source|--ecosystem|--ttl|--max-entries|--last|--serial|--expires|--created|--package|--changed-since|--tag)
                return ;;
        esac

        if [[ -z $cmd ]]; then
                COMPREPLY=($(compgen -W "$("$prog" help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p') -q -v --quiet --verbose --help --version" -- "$cur"))
                return
        fi
        if [[ -z $sub && ( $cmd == db || $cmd == cache || $cmd == policy || $cmd == help ) && $cur != -* ]]; then
                local subs
                case $cmd in
                help) subs=$("$prog" help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p') ;;
                *) subs=$("$prog" help "$cmd" 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\).*/\1/p') ;;
                esac
                COMPREPLY=($(compgen -W "$subs" -- "$cur"))
                return
        fi
        if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$("$prog" help $cmd $sub 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
                return
        fi
        case $cmd in
        install|uninstall) [[ $cword -eq 2 ]] && COMPREPLY=($(compgen -W "containerd crio podman docker runc" -- "$cur")) ;;
        vercmp) [[ $cword -eq 2 ]] && COMPREPLY=($(compgen -W "deb apk rpm pypi npm go crates maven gem composer nuget bitnami" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -f -- "$cur")) ;;
        esac
}
complete -F _portcullis portcullis
