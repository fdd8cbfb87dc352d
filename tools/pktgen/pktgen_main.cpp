// placeholder until pktgen lands
int main() { return 0; }
