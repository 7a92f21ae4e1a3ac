"""The pure status builders of MasterTarget, RecoveryVault and VCenter: facts and findings in, status out."""
