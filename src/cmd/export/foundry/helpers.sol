// ---- helpers ----

// CREATE from the test contract (the deployer while pranked), reverting on failure.
function _create(bytes memory creationCode) internal returns (address created) {
    assembly {
        created := create(0, add(creationCode, 0x20), mload(creationCode))
    }
    require(created != address(0), "a deployment failed");
}

// The owner calls account.execute(single, module || 0 || moduleCall), as leash's World does.
function _ownerCallsModule(bytes memory moduleCall, bool succeeded, string memory what) internal {
    bytes memory execution = abi.encodePacked(MODULE, uint256(0), moduleCall);
    vm.prank(OWNER, OWNER);
    (bool ok,) = ACCOUNT.call(abi.encodeCall(ILeashAccount.execute, (bytes32(0), execution)));
    assertTrue(ok == succeeded, what);
}

// An op of the account with nonce key `nonceKey` (sequence 0) and leash's gas fields.
function _unsignedOp(uint192 nonceKey, bytes memory callData) internal pure returns (IEntryPointV08.PackedUserOperation memory op) {
    op.sender = ACCOUNT;
    op.nonce = uint256(nonceKey) << 64;
    op.initCode = "";
    op.callData = callData;
    op.accountGasLimits = bytes32((VERIFICATION_GAS_LIMIT << 128) | CALL_GAS_LIMIT);
    op.preVerificationGas = PRE_VERIFICATION_GAS;
    op.gasFees = bytes32(0);
    op.paymasterAndData = "";
}

// An op signed by `privateKey` over the digest the module has session keys sign (spec §1.4.1:
// ISessionManager.sessionOpDigest for this EntryPoint and account), then `signatureTail`.
function _signedBy(uint256 privateKey, uint192 nonceKey, bytes memory callData, bytes memory signatureTail)
    internal
    returns (IEntryPointV08.PackedUserOperation memory op)
{
    op = _unsignedOp(nonceKey, callData);
    // Encoded by selector: the two interfaces declare the same op struct as two Solidity types.
    (bool ok, bytes memory digest) = MODULE.staticcall(
        abi.encodeWithSelector(ISessionManager.sessionOpDigest.selector, op, ENTRY_POINT, ACCOUNT)
    );
    require(ok && digest.length == 32, "the module's sessionOpDigest failed");
    (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, abi.decode(digest, (bytes32)));
    op.signature = abi.encodePacked(r, s, v, signatureTail);
}

// An op whose signature is 64 zero bytes (it recovers to no one), then `signatureTail`.
function _malformed(uint192 nonceKey, bytes memory callData, bytes memory signatureTail)
    internal
    pure
    returns (IEntryPointV08.PackedUserOperation memory op)
{
    op = _unsignedOp(nonceKey, callData);
    op.signature = abi.encodePacked(new bytes(64), signatureTail);
}

// The ops at `positions` (one byte each), in that order.
function _pick(IEntryPointV08.PackedUserOperation[] memory ops, bytes memory positions)
    internal
    pure
    returns (IEntryPointV08.PackedUserOperation[] memory picked)
{
    picked = new IEntryPointV08.PackedUserOperation[](positions.length);
    for (uint256 i = 0; i < positions.length; i++) {
        picked[i] = ops[uint8(positions[i])];
    }
}

// handleOps from the bundler, as leash's harness sends it.
function _handleOps(IEntryPointV08.PackedUserOperation[] memory ops) internal {
    vm.prank(BUNDLER, BUNDLER);
    entryPoint.handleOps(ops, payable(BENEFICIARY));
}

// handleOps must revert with exactly `expected` (FailedOp or FailedOpWithRevert).
function _expectRejected(IEntryPointV08.PackedUserOperation[] memory ops, bytes memory expected, string memory what) internal {
    vm.prank(BUNDLER, BUNDLER);
    (bool ok, bytes memory reason) =
        address(entryPoint).call(abi.encodeCall(IEntryPointV08.handleOps, (ops, payable(BENEFICIARY))));
    assertTrue(!ok, what);
    assertEq(reason, expected, what);
}

// Whether the op with nonce key `nonceKey` went through validation (its nonce was used).
function _accepted(uint192 nonceKey) internal view returns (bool) {
    return entryPoint.getNonce(ACCOUNT, nonceKey) == (uint256(nonceKey) << 64) + 1;
}

function _failedOp(uint256 opIndex, string memory reason) internal pure returns (bytes memory) {
    return abi.encodeWithSelector(IEntryPointV08.FailedOp.selector, opIndex, reason);
}

function _failedOpWithRevert(uint256 opIndex, string memory reason, bytes memory inner)
    internal
    pure
    returns (bytes memory)
{
    return abi.encodeWithSelector(IEntryPointV08.FailedOpWithRevert.selector, opIndex, reason, inner);
}

function _sessionDenied(uint8 code, uint8 execution, uint8 detail) internal pure returns (bytes memory) {
    return abi.encodeWithSelector(ISessionManager.SessionDenied.selector, code, execution, detail);
}

// Entry `i` of a view array, 0 past its end (the module lists only what the policy has).
function _at(uint256[] memory values, uint256 i) internal pure returns (uint256) {
    return i < values.length ? values[i] : 0;
}

function _at(uint64[] memory values, uint256 i) internal pure returns (uint256) {
    return i < values.length ? values[i] : 0;
}

function _at(uint256[][] memory values, uint256 i, uint256 j) internal pure returns (uint256) {
    return i < values.length ? _at(values[i], j) : 0;
}

function _startAt(ISessionManager.PeriodSpend[] memory periods, uint256 i) internal pure returns (uint256) {
    return i < periods.length ? periods[i].start : 0;
}

function _spentAt(ISessionManager.PeriodSpend[] memory periods, uint256 i) internal pure returns (uint256) {
    return i < periods.length ? periods[i].spent : 0;
}
