#!/bin/sh
# Stand-in for K3s's install.sh (get.k3s.io), written from its contract (shared/reference/k3s-and-gpu.md §2-3):
# the first word of INSTALL_K3S_EXEC picks server (unit k3s) or agent (unit k3s-agent); with INSTALL_K3S_SKIP_DOWNLOAD
# it uses /usr/local/bin/k3s as found; it writes the unit, its env file, the kubectl/crictl/ctr links and the
# killall/uninstall scripts; INSTALL_K3S_SKIP_ENABLE / INSTALL_K3S_SKIP_START leave the unit alone. It only works
# offline. Each run appends its settings to /var/log/k3s-install-standin.log for the test to read.
set -eu
fatal() { echo "[ERROR] $*" >&2; exit 1; }
[ "${INSTALL_K3S_SKIP_DOWNLOAD:-}" = true ] || fatal "this stand-in installs only with INSTALL_K3S_SKIP_DOWNLOAD=true"
[ -x /usr/local/bin/k3s ] || fatal "INSTALL_K3S_SKIP_DOWNLOAD is set but /usr/local/bin/k3s is missing"
# shellcheck disable=SC2086 # INSTALL_K3S_EXEC is a list of words, split like the real installer does
set -- ${INSTALL_K3S_EXEC:-server}
cmd=$1
case "$cmd" in server) name=k3s ;; agent) name=k3s-agent ;; *) fatal "unknown command $cmd" ;; esac
echo "version=${INSTALL_K3S_VERSION:-} exec=$cmd skip_download=${INSTALL_K3S_SKIP_DOWNLOAD:-} skip_start=${INSTALL_K3S_SKIP_START:-} skip_enable=${INSTALL_K3S_SKIP_ENABLE:-}" \
  >> /var/log/k3s-install-standin.log
for link in kubectl crictl ctr; do ln -sf k3s /usr/local/bin/$link; done
cat > /etc/systemd/system/$name.service <<UNIT
[Unit]
Description=Lightweight Kubernetes
Documentation=https://k3s.io
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
Type=$( [ "$cmd" = server ] && echo notify || echo exec )
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-/etc/systemd/system/$name.service.env
KillMode=process
Delegate=yes
Restart=always
RestartSec=5s
ExecStart=/usr/local/bin/k3s $cmd
UNIT
touch /etc/systemd/system/$name.service.env
chmod 0600 /etc/systemd/system/$name.service.env
printf '#!/bin/sh\n# k3s-killall.sh (stand-in)\n' > /usr/local/bin/k3s-killall.sh
uninstall=/usr/local/bin/k3s-uninstall.sh
[ "$cmd" = agent ] && uninstall=/usr/local/bin/k3s-agent-uninstall.sh
printf '#!/bin/sh\n# %s (stand-in)\nrm -rf /etc/rancher/k3s /var/lib/rancher/k3s /etc/systemd/system/%s.service\n' "$(basename $uninstall)" "$name" > $uninstall
chmod 0755 /usr/local/bin/k3s-killall.sh $uninstall
[ "${INSTALL_K3S_SKIP_ENABLE:-}" = true ] || systemctl enable $name
[ "${INSTALL_K3S_SKIP_START:-}" = true ] || systemctl restart $name
