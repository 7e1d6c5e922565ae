// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISessionValidator} from "@rhinestone/modulekit/src/integrations/interfaces/ISmartSession.sol";

/// @title LeashSessionValidator
/// @notice A stateless SmartSessions session validator (ERC-7579 module type 7): the session's
///         configuration is the 20-byte address of its key, and a signature is valid when its
///         first 65 bytes are an ECDSA signature `(r, s, v)` by that key over the raw hash, with
///         `s` in the lower half of the curve order and `v` 27 or 28; bytes after the 65th are
///         ignored. That is leash's spec §1.4 exactly. leash's own code (MIT).
contract LeashSessionValidator is ISessionValidator {
    /// @dev Half the secp256k1 group order: the largest `s` accepted.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @inheritdoc ISessionValidator
    function validateSignatureWithData(bytes32 hash, bytes calldata sig, bytes calldata data)
        external
        pure
        returns (bool)
    {
        if (sig.length < 65 || data.length < 20) return false;
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return false;
        address signer = ecrecover(hash, v, r, s);
        return signer != address(0) && signer == address(bytes20(data[0:20]));
    }

    /// @notice Nothing to install: the validator is stateless.
    function onInstall(bytes calldata) external pure {}

    /// @notice Nothing to uninstall: the validator is stateless.
    function onUninstall(bytes calldata) external pure {}

    /// @notice ERC-7579 module type 7 (stateless validator).
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == 7;
    }

    /// @notice A stateless validator is never initialized.
    function isInitialized(address) external pure returns (bool) {
        return false;
    }
}
