"""Proofs over the ledger (留痕存证): RFC 6962 Merkle trees and signed checkpoints. Pure, no I/O."""
