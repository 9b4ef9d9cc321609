import Exact
import Testing

@Suite("Message text")
struct MessageTextTests {
  @Test func shortTextIsKeptAndLongTextCut() {
    #expect(MessageText.cut("dense1.W") == "dense1.W")
    let limit = String(repeating: "a", count: MessageText.limit)
    #expect(MessageText.cut(limit) == limit)
    #expect(MessageText.cut(limit + "b") == limit + "… (81 bytes)")
    #expect(MessageText.cut("ééé", to: 2) == "éé… (6 bytes)")
    #expect(MessageText.cut(String(repeating: "x", count: 1 << 20)).count == 80 + "… (1048576 bytes)".count)
  }
}
