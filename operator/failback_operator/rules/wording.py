"""The article's wording of every rule, in English, as the catalogue states it (FB001 ... FB046)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

WORDING: Mapping[str, str] = MappingProxyType(
    {
        "FB001": (
            "The master target (MT) must not share a VM UUID or disk UUIDs with any on-premises VM "
            "being protected (both cloned from one template make reprotect fail). Remedy: deploy an MT "
            "not cloned from that template."
        ),
        "FB002": (
            "Failback to a different vCenter: that vCenter and the MT must be discovered by the "
            "configuration server (symptom: datastore not visible in reprotect)."
        ),
        "FB003": (
            "A failback replication policy must exist and be associated with the configuration server. "
            "It is created with the forward policy, cannot be edited, and has RPO threshold 15 min, "
            "recovery point retention 24 h, app-consistent snapshot frequency 60 min. Report the values"
            " found."
        ),
        "FB004": (
            "The on-premises configuration server must be running and connected (recent heartbeat) "
            "during reprotect and during failback."
        ),
        "FB005": (
            "The vCenter account the configuration server uses for discovery (its run-as account) must "
            "hold the required privileges; a read-only account lets protection and failover work but "
            "makes reprotect fail because datastores cannot be discovered. Check that account's "
            "effective privileges (e.g. `FetchUserPrivilegeOnEntities` for the run-as account's user), "
            "not only the operator's own. Remedy: update the vCenter credentials and retry."
        ),
        "FB006": (
            "No snapshots on the MT: they make reprotect and failback fail (nightly backup snapshots "
            "are the usual culprit). Snapshots on the protected on-premises VM are merged automatically"
            " by the reprotect job."
        ),
        "FB007": (
            "All VMs of one replication group must have the same OS type (all Windows or all Linux), "
            "because the MT must run the same OS as the VMs; mixed groups are not supported."
        ),
        "FB008": (
            "All VMs of one replication group must use the same MT; a different MT cannot give a common"
            " point in time."
        ),
        "FB009": (
            "The MT OS version must be the same as or newer than the OS version of every replicated "
            "item it serves (Windows Server 2008 R2 < 2012 < 2012 R2 < 2016 < 2019 < 2022 < 2025; Linux"
            " compared within a distribution by major.minor; an unknown or incomparable pair is a "
            "warning, not a pass). The items' OS facts are read before reprotect and kept, since Site "
            "Recovery clears them afterwards."
        ),
        "FB010": (
            "The configuration server must know the VM (it must be in its database), otherwise failback"
            " fails. Advice: back the configuration server up regularly; restore it with the same IP "
            "address."
        ),
        "FB011": (
            "Reprotect and failback need site-to-site VPN or ExpressRoute private peering; the "
            "failed-over Azure VMs must reach the on-premises configuration server."
        ),
        "FB012": (
            "When IP addresses are kept on failover, the Azure VMs need a S2S/ExpressRoute path to the "
            "configuration server's failback NIC; two NICs are required to avoid overlapping source and"
            " failover address ranges."
        ),
        "FB013": (
            "The failover/failback ports must be open (the article shows them in a picture; "
            "configuration server 443 and process server data port 9443 are (derived)). The operator "
            "can only probe what it can reach itself; it reports the configuration server's and process"
            " server's heartbeats as the evidence for the paths it cannot probe."
        ),
        "FB014": (
            "(classic only) A process server (PS) must be registered with the configuration server with"
            " a recent heartbeat (block); it should be deployed in Azure, close to the failed-over VMs "
            "(warn when it is not: see FB015). It must reach the configuration server and the MT."
        ),
        "FB015": (
            "An on-premises PS over ExpressRoute private peering is acceptable only for a proof of "
            "concept; replication performance is higher with the PS in Azure, close to the failed-over "
            "VMs."
        ),
        "FB016": (
            "Replication back to on-premises runs only over S2S VPN or ExpressRoute private peering "
            "with enough bandwidth."
        ),
        "FB017": (
            "Linux VMs need a separate Linux MT; an MT on LVM is not supported (vSphere cannot see LVM,"
            " so the MasterTarget declares its root volume layout and the rule checks the declaration)."
            " Windows VMs may use the MT built into the configuration server or a separate Windows MT."
        ),
        "FB018": (
            "If the VM still exists on-premises, the MT must reach its VMDK files: the VM's datastore "
            "must be mounted read-write on the MT's ESXi host."
        ),
        "FB019": (
            "If the VM no longer exists on-premises, reprotect creates a new VM on the ESXi host of the"
            " MT, on the MT's datastore (alternate-location recovery). Report which host and datastore "
            "will receive it."
        ),
        "FB020": (
            "The MT must not be moved by Storage vMotion (exclude it from Storage DRS). If its disks "
            "move after reprotect, failback fails to detach the disks. Detect both the exposure (SDRS "
            "enabled for the MT) and the drift (MT disk placement changed since reprotect)."
        ),
        "FB021": (
            "The MT needs a retention volume that is: not used for anything else (e.g. not a "
            "replication target), not locked, not a cache volume (not the volume the PS/MT is installed"
            " on), not FAT/FAT32, of non-zero capacity. Defaults: `R:` on Windows, `/mnt/retention` on "
            "Linux. A volume that fails these is not offered by ASR."
        ),
        "FB022": (
            "A newly added retention disk can take up to 15 minutes to be listed; the configuration "
            "server can be refreshed. The operator refreshes and waits (bounded) before failing."
        ),
        "FB023": (
            "VMware Tools or open-vm-tools must run on the MT; without them the datastores of the MT's "
            "ESXi host cannot be discovered."
        ),
        "FB024": (
            "`disk.EnableUUID=true` must be set in the MT VM's configuration parameters (add the row if"
            " missing). Optional, opt-in remediation."
        ),
        "FB025": (
            "The ESXi host of the MT must have at least one VMFS datastore attached ((derived): vSAN is"
            " acceptable, NFS and RDM are not)."
        ),
        "FB026": ("The MT must not use a PVSCSI controller; only LSI Logic controllers are supported."),
        "FB027": (
            "An MT accepts at most 60 disks (4 SCSI controllers of 15 slots). The MT's own disks, plus "
            "the disks of every VM being reprotected to it across all active plans (Azure's temporary "
            "disk excluded), must not exceed 60; otherwise add slots or more MTs. A plan's reservation "
            "ends when its disks are seen attached (not counted twice). Disk counts are read before "
            "reprotect and kept."
        ),
        "FB028": (
            "After the VM boots in Azure the agent can take up to 15 minutes to re-register with the "
            'configuration server; until then reprotect fails with an "agent not installed" error. The '
            "operator retries with backoff for that window instead of failing."
        ),
        "FB029": (
            "Reprotect input: direction Azure to on-premises; the MT and PS; the datastore (used when "
            "on-premises disks must be created, ignored when they exist, but always required); the "
            "retention drive; the failback policy (selected automatically)."
        ),
        "FB030": (
            "A replication group is reprotected with values for every machine, all through the same MT."
            " The article does this through the recovery plan; the management API no longer serves "
            "recovery-plan reprotect for these providers, so the operator reprotects item by item with "
            "identical values. Failover and commit of a group go through its recovery plan, so the "
            "group comes back together: at its common application-consistent point, or (modernized) "
            "its multi-VM sync point; with the latest point, each machine of a classic group comes back "
            "at its own latest point in time (Microsoft's failback article)."
        ),
        "FB031": (
            "The on-premises VM is powered off during reprotect and must not be powered on after "
            "reprotect completes (data consistency). Detect a power-on and block failback."
        ),
        "FB032": (
            "Reprotect is complete when ASR reports the item protected (protection state, and "
            "`PlannedFailover` / `UnplannedFailover` among its allowed operations); failback may only "
            "start then. Health errors block only when they defeat the chosen recovery point (e.g. "
            '531006 "recent app-consistent recovery point not available" blocks an '
            "application-consistent failback, not a latest-time one); others are warnings."
        ),
        "FB033": (
            "Linux VMs failed back on-premises lose the network manager package (removed during "
            "recovery in Azure)."
        ),
        "FB034": (
            "Linux VMs with a static IP get DHCP in Azure and keep DHCP after failback; the static "
            "address must be set again. Windows VMs regain their static IP."
        ),
        "FB035": (
            "The free editions of ESXi 5.5 / vSphere 6 hypervisor allow failover but not failback; an "
            "evaluation or paid licence is needed."
        ),
        "FB036": (
            "A Windows Server 2008 R2 SP1 machine protected as a physical server cannot fail back from Azure."
        ),
        "FB037": (
            "No failback for: machines migrated to Azure, VMs moved to another resource group, deleted "
            "Azure VMs, machines whose protection was disabled, VMs created by hand in Azure (they must"
            " have failed over from on-premises first)."
        ),
        "FB038": (
            "Failback goes only to an ESXi host: not to Hyper-V, physical machines or VMware Workstation."
        ),
        "FB039": (
            "If the configuration server cannot be reached from the PS, check port 443 connectivity and"
            " PS heartbeat with the configuration server."
        ),
        "FB040": (
            "Failback shuts the Azure VM down and boots the on-premises VM: the application is down "
            "meanwhile. Failback starts only inside the plan's downtime window and, where the plan asks"
            " for it, after explicit approval."
        ),
        "FB041": ("The MT runs the same OS type as the VMs it receives, for single machines as for groups."),
        "FB042": (
            "The failover shuts the Azure VM down and synchronises its latest changes (source-site "
            "operations required); the operator checks in the failover job that the shut-down task "
            "succeeded rather than being skipped, before commit."
        ),
        "FB043": (
            "(derived, job error 78052) When reprotect will create a new VM (alternate location), no VM"
            " of that name may already exist where it will be created."
        ),
        "FB044": (
            "(derived, job error 8038) The ESXi host that will run the failed-back VMs has enough free "
            "memory to power them on."
        ),
        "FB045": (
            "(derived, job error 8061) The datastore chosen for the plan is mounted read-write on the "
            "MT's ESXi host and is VMFS or vSAN."
        ),
        "FB046": (
            "(derived, recovery-plan operations act on every machine of the plan) Before a group's failover "
            "or commit, its recovery plan holds exactly the group's machines: none that is not in the group, "
            "none of the group missing."
        ),
    }
)
