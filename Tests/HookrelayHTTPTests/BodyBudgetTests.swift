import HookrelayHTTP
import Testing

/// SPEC §11: bodies held across connections are capped; a quarter of the cap is kept for bodies of at most 64 KiB.
@Test func largeBodiesLeaveAQuarterToSmallOnes() {
    let budget = BodyBudget(capacity: 4 << 20)
    #expect(budget.reserve(2 << 20, large: true))
    #expect(budget.reserve(1 << 20, large: true))
    // Three quarters are taken by large bodies: one more large byte does not fit…
    #expect(!budget.reserve(100 << 10, large: true))
    // …but small bodies still have their quarter.
    for _ in 0..<16 { #expect(budget.reserve(64 << 10, large: false)) }
    #expect(!budget.reserve(1, large: false))
    #expect(budget.used == 4 << 20)
    budget.release(2 << 20, large: true)
    #expect(budget.reserve(2 << 20, large: true))
}

@Test func smallBodiesMayUseTheWholeCap() {
    let budget = BodyBudget(capacity: 1 << 20)
    for _ in 0..<16 { #expect(budget.reserve(64 << 10, large: false)) }
    #expect(!budget.reserve(1, large: false))
    // A large body then finds no room, though its own share is free.
    #expect(!budget.reserve(100 << 10, large: true))
    budget.release(64 << 10, large: false)
    #expect(budget.used == (1 << 20) - (64 << 10))
}

@Test func nothingIsTakenWhenARequestDoesNotFit() {
    let budget = BodyBudget(capacity: 1000)
    #expect(budget.reserve(0, large: true))
    #expect(!budget.reserve(1001, large: false))
    #expect(budget.used == 0)
}
