// Deploys and funds the world as leash_fuzz::evm::World::new does.
function setUp() public {
    vm.warp(GENESIS_TIMESTAMP);
    vm.deal(DEPLOYER, EOA_BALANCE);
    vm.deal(OWNER, EOA_BALANCE);
    vm.deal(BUNDLER, EOA_BALANCE);
    bytes memory entryPointCode = vm.getCode(ENTRY_POINT_ARTIFACT);
    bytes memory moduleCode = vm.getCode(MODULE_ARTIFACT);
    bytes memory accountCode = abi.encodePacked(
        vm.getCode(ACCOUNT_ARTIFACT), abi.encode(ENTRY_POINT, OWNER, MODULE, bytes(""))
    );
    bytes memory tokenCode = vm.getCode(LEASH_TOKEN_ARTIFACT);
    bytes memory gameCode = vm.getCode(GAME_ARTIFACT);
    bytes memory routerCode = vm.getCode(ROUTER_ARTIFACT);
    // The deployer creates everything at its nonces 0 to 5.
    vm.startPrank(DEPLOYER, DEPLOYER);
    address entryPoint_ = _create(entryPointCode);
    address module_ = _create(moduleCode);
    address account_ = _create(accountCode);
    address token_ = _create(tokenCode);
    address game_ = _create(gameCode);
    address router_ = _create(routerCode);
    vm.stopPrank();
    assertEq(entryPoint_, ENTRY_POINT, "EntryPoint is not at the address leash used");
    assertEq(module_, MODULE, "the module is not at the address leash used");
    assertEq(account_, ACCOUNT, "the account is not at the address leash used");
    assertEq(token_, LEASH_TOKEN, "LeashToken is not at the address leash used");
    assertEq(game_, GAME, "Game is not at the address leash used");
    assertEq(router_, ROUTER, "Router is not at the address leash used");
    vm.prank(DEPLOYER, DEPLOYER);
    ILeashToken(LEASH_TOKEN).mint(ACCOUNT, ACCOUNT_TOKEN_BALANCE);
    vm.prank(DEPLOYER, DEPLOYER);
    (bool funded,) = ACCOUNT.call{value: ACCOUNT_NATIVE_BALANCE}("");
    assertTrue(funded, "funding the account failed");
}
