/* bench-true: the program fork_exec runs; it only exits 0. */
int main(void)
{
	return 0;
}
