#!/bin/sh
# Steward task wrapper. Started by the agent in a session of its own (setsid), so the task lives
# on when the agent stops or dies. It joins the task's cgroups, runs the command as its child,
# forwards SIGTERM and SIGINT to it, and writes the command's exit status to TASKDIR/exit
# (128+N when killed by signal N), where a restarted agent finds it. With STEWARD_PRIVATE_TMP it
# runs in a mount namespace of its own and binds it over /tmp (STEWARD_PRIVATE_VAR_TMP over /var/tmp) first;
# with STEWARD_HIDE_PROCESSES it mounts a /proc there that hides other users' processes; with STEWARD_PRIVATE_IPC (started
# with unshare --ipc too) a /dev/shm of at most that many MiB and the namespace's message queues; with STEWARD_NEW_KEYRING
# (keyctl's path) it joins a new session keyring.
# usage: wrapper.sh TASKDIR [CGROUP_PROCS_FILE...] -- COMMAND [ARG...]
dir="$1"; shift
# a part of the task's isolation could not be set up: say so, write 125 as its exit status, and never run the command without it
not_started() {
  echo "steward: $1; not started" >&2
  umask 077
  echo 125 > "$dir/exit.tmp" && mv "$dir/exit.tmp" "$dir/exit"
  exit 125
}
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  echo $$ > "$1" || echo "steward: could not join cgroup $1" >&2
  shift
done
shift
if [ -n "$STEWARD_PRIVATE_TMP" ]; then
  # started by unshare in a mount namespace of its own (task-private-tmp): the task's own tmp over /tmp and /var/tmp, as root,
  # before the command drops to the task's user; never the shared /tmp instead
  if ! mount --bind "$STEWARD_PRIVATE_TMP" /tmp || { [ -d /var/tmp ] && ! mount --bind "$STEWARD_PRIVATE_VAR_TMP" /var/tmp; }; then
    not_started "could not give the task its own /tmp and /var/tmp ($STEWARD_PRIVATE_TMP, $STEWARD_PRIVATE_VAR_TMP)"
  fi
fi
if [ -n "$STEWARD_HIDE_PROCESSES" ]; then
  # a proc of its own in that namespace (task-hide-processes): the task sees its own processes, no other user's
  if ! mount -t proc -o hidepid=invisible proc /proc; then
    not_started "could not give the task a /proc that hides other users' processes"
  fi
fi
if [ -n "$STEWARD_PRIVATE_IPC" ]; then
  # started by unshare in an IPC namespace of its own too (task-private-ipc): a /dev/shm of its own, at most its memory, and the
  # POSIX message queues of that namespace at /dev/mqueue
  shm_opts="mode=1777,nosuid,nodev"
  [ "$STEWARD_PRIVATE_IPC" != 0 ] && shm_opts="$shm_opts,size=${STEWARD_PRIVATE_IPC}m"
  if { [ -d /dev/shm ] && ! mount -t tmpfs -o "$shm_opts" steward-shm /dev/shm; } || { [ -d /dev/mqueue ] && ! mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue; }; then
    not_started "could not give the task a /dev/shm and message queues of its own"
  fi
fi
if [ -n "$STEWARD_NEW_KEYRING" ]; then
  # an empty session keyring of its own (keyctl new_session joins this shell to it): a key the task keeps there no other task
  # holds, and none of the agent's (systemd gives a service one) is the task's
  if ! "$STEWARD_NEW_KEYRING" new_session >/dev/null; then
    not_started "could not give the task a session keyring of its own"
  fi
fi
unset STEWARD_PRIVATE_TMP STEWARD_PRIVATE_VAR_TMP STEWARD_HIDE_PROCESSES STEWARD_PRIVATE_IPC STEWARD_NEW_KEYRING
if [ -n "$STEWARD_RLIMIT_AS_KB" ]; then ulimit -v "$STEWARD_RLIMIT_AS_KB"; fi
unset STEWARD_RLIMIT_AS_KB
task_umask="$STEWARD_UMASK" # the task's umask (task-umask), for the command alone
unset STEWARD_UMASK
# the agent keeps the kernel's OOM killer off itself (oom-score-adj) and this wrapper; the command goes back to the default
( { echo 0 > /proc/self/oom_score_adj; } 2>/dev/null; [ -z "$task_umask" ] || umask "$task_umask"; exec "$@" ) < /dev/null &
child=$!
trap 'kill -TERM $child 2>/dev/null' TERM
trap 'kill -INT $child 2>/dev/null' INT
while :; do
  wait $child 2>/dev/null # the shell's own "Terminated" for a child a signal ended is not the task's output
  code=$?
  kill -0 $child 2>/dev/null && continue # a trapped signal cut the wait short: the child still runs
  # the child is gone; if a signal cut the wait above short, this wait collects its real status
  # (after a wait that did collect it, the shell answers 127 for an unknown child)
  wait $child 2>/dev/null
  last=$?
  [ "$last" -ne 127 ] && code=$last
  break
done
umask 077 # the exit status is the agent's to read, not other tasks' (the command has its umask already)
echo $code > "$dir/exit.tmp" && mv "$dir/exit.tmp" "$dir/exit"
exit $code
